import http from 'node:http';
import { AddressInfo } from 'node:net';
import { print } from 'graphql';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { Logger, openOrm } from '@herck/common';
import { verifyWebhook } from '@herck/analysis';
import { readAlerts } from '../../subgraphs/analysis/src/modules/alert/read-alerts';
import { writeOutcomes } from '../../subgraphs/analysis/src/modules/evaluation/outcome-writer';
import { signalOf, StrategyDefinition } from '../../subgraphs/analysis/src/modules/evaluation/strategy-definition';
import type { EvaluationOutcome } from '../../subgraphs/analysis/src/modules/evaluation/strategy-engine';
import { TriggerMode } from '../../subgraphs/analysis/src/modules/strategy/trigger-mode';
import { analysisStore } from '../../subgraphs/analysis/src/store';
import { ReplayServer } from '../../subgraphs/market/test/providers/replay-server';
import { codes, send } from './support/graphql-client';
import {
  AcknowledgeAlertsDocument,
  AlertRaisedDocument,
  AlertRaisedSubscription,
  AlertsDocument,
  CreateStrategyDocument,
  DeleteStrategyDocument,
  MarkNotificationsReadDocument,
  NotificationsDocument,
  NotificationsQuery,
  SetStrategyEnabledDocument,
  StrategiesDocument,
  StrategyDocument,
  UpdateStrategyDocument,
  ValidateConditionDocument,
  WebhookDeliveriesDocument,
} from './support/operations.generated';
import { connectToDatabase } from './support/database-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { eventually, signUp, SignedUpUser } from './support/users';

/** A webhook receiver on loopback: records what it got and answers the statuses it is told to. */
class WebhookReceiver {
  readonly received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  statuses: number[] = [];
  private server!: http.Server;
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        this.received.push({ headers: request.headers, body });
        response.writeHead(this.statuses.shift() ?? 200).end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/herck`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** CoinGecko's recorded answer with Bitcoin at `price`: the scripted price path. */
async function coinsMarketsAt(price: number): Promise<unknown[]> {
  const recorded = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(require.resolve('../../subgraphs/market/test/fixtures/coingecko/coins-markets.json'), 'utf8'))) as { symbol: string; current_price: number }[];
  return recorded.map((coin) => (coin.symbol === 'btc' ? { ...coin, current_price: price } : coin));
}

let coingecko: ReplayServer;
let receiver: WebhookReceiver;
let platform: TestPlatform;
let owner: SignedUpUser;
let other: SignedUpUser;
const clients: Client[] = [];
/** The gateway's log lines (debug and up), parsed. */
const gatewayLog: { level?: string; msg?: string; subgraph?: string }[] = [];

const setBitcoin = async (price: number) => coingecko.route('GET', '/api/v3/coins/markets', { body: await coinsMarketsAt(price) });

beforeAll(async () => {
  coingecko = await ReplayServer.start();
  await setBitcoin(100_000);
  coingecko.route('GET', '/api/v3/global', { fixture: 'coingecko/global.json' });
  receiver = new WebhookReceiver();
  await receiver.start();
  platform = await startTestPlatform(
    {
      MARKET_INTERVAL_SECONDS: '1',
      MARKET_PROVIDERS: 'coingecko',
      MARKET_SYMBOLS: 'BTC,ETH',
      COINGECKO_BASE_URL: coingecko.url,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      DELIVERY_FIRST_RETRY_SECONDS: '1',
      STRATEGIES_PER_ACCOUNT: '3',
      // Strategies spread over two worker threads: the alerts below come through the pool.
      ANALYSIS_WORKERS: '2',
    },
    { market: {}, analysis: {}, loggers: { gateway: new Logger('gateway', 'debug', {}, (line) => void gatewayLog.push(JSON.parse(line) as (typeof gatewayLog)[number])) } },
  );
  [owner, other] = await Promise.all([signUp(platform), signUp(platform)]);
  // Strategies may watch what market has announced: wait for analysis to have seen a round.
  await eventually(async () => (await platform.analysis!.runtime.orm.em.fork().execute('SELECT 1 FROM symbols')).length === 2, 20_000);
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await platform?.stop();
  await coingecko?.stop();
  await receiver?.stop();
}, 60_000);

function subscribeToAlerts(accessToken: string): { events: AlertRaisedSubscription['alerts'][] } {
  const events: AlertRaisedSubscription['alerts'][] = [];
  const client = createClient({ url: platform.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${accessToken}` }, lazy: false, retryAttempts: 0 });
  clients.push(client);
  client.subscribe<AlertRaisedSubscription>({ query: print(AlertRaisedDocument) }, { next: (event) => void (event.data && events.push(event.data.alerts)), error: () => undefined, complete: () => undefined });
  return { events };
}

const strategyCount = async () => Number((await platform.analysis!.runtime.orm.em.fork().execute('SELECT count(*) FROM strategies'))[0].count);

const breakout = (webhookUrl: string | null = null) => ({
  name: 'Bitcoin breakout',
  symbols: ['btc'],
  interval: 'M1' as const,
  indicators: [],
  condition: 'price > 105000.0',
  trigger: 'ON_CROSS' as const,
  cooldownSeconds: 0,
  channels: { inApp: true, email: true, webhookUrl },
});

describe('strategies', () => {
  it('refuses bad input with a clear code and writes nothing', async () => {
    const before = await strategyCount();
    const create = (input: Partial<ReturnType<typeof breakout>> & Record<string, unknown>) => send(platform.gatewayUrl, CreateStrategyDocument, { input: { ...breakout(), ...input } as never }, owner.accessToken);
    const period = await create({ indicators: [{ name: 'sma', kind: 'SMA', period: 0 }] } as never);
    expect(codes(period)).toEqual(['BAD_USER_INPUT']);
    const tooLong = await create({ indicators: [{ name: 'sma', kind: 'SMA', period: 1001 }] } as never);
    expect(codes(tooLong)).toEqual(['BAD_USER_INPUT']);
    const kind = await create({ indicators: [{ name: 'x', kind: 'FOO', period: 3 }] } as never);
    expect(codes(kind)).toEqual(['BAD_USER_INPUT']);
    const condition = await create({ condition: 'price > sma50' });
    expect(codes(condition)).toEqual(['BAD_USER_INPUT']);
    expect(condition.errors![0]!.extensions).toMatchObject({ field: 'condition', position: 8 });
    expect(codes(await create({ symbols: ['NOPE'] }))).toEqual(['BAD_USER_INPUT']);
    // A refusal names what was wrong without sending 10,000 characters back.
    const long = await create({ symbols: ['X'.repeat(10_000)] });
    expect(codes(long)).toEqual(['BAD_USER_INPUT']);
    expect(long.errors![0]!.message.length).toBeLessThan(200);
    expect(codes(await create({ channels: { inApp: true, email: false, webhookUrl: 'not a url' } }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await send(platform.gatewayUrl, CreateStrategyDocument, { input: breakout() }))).toEqual(['UNAUTHENTICATED']);
    expect(await strategyCount()).toBe(before);
  });

  it('checks a condition with the position of what is wrong', async () => {
    const indicators = [{ name: 'rsi14', kind: 'RSI' as const, period: 14 }];
    const valid = await send(platform.gatewayUrl, ValidateConditionDocument, { condition: 'rsi14 < 30 && price > 1.0', indicators }, owner.accessToken);
    expect(valid.data?.validateCondition).toEqual({ valid: true, errors: [] });
    const invalid = await send(platform.gatewayUrl, ValidateConditionDocument, { condition: 'rsi14 < 30 && bogus', indicators }, owner.accessToken);
    expect(invalid.data?.validateCondition).toEqual({ valid: false, errors: [{ message: 'Unknown variable: bogus', position: 14 }] });
  });

  it('are their owner’s alone, and limited per account', async () => {
    const created = await send(platform.gatewayUrl, CreateStrategyDocument, { input: { ...breakout(), condition: 'price < 1.0' } }, owner.accessToken);
    const id = created.data!.createStrategy.strategy.id;
    expect(created.data!.createStrategy.strategy).toMatchObject({ symbols: ['BTC'], enabled: true, owner: { id: owner.accountId } });
    expect(created.data!.createStrategy.webhookSecret).toMatch(/^whsec_/);
    expect(codes(await send(platform.gatewayUrl, StrategyDocument, { id }, other.accessToken))).toEqual(['NOT_FOUND']);
    expect(codes(await send(platform.gatewayUrl, UpdateStrategyDocument, { id, input: { name: 'mine now' } }, other.accessToken))).toEqual(['NOT_FOUND']);
    expect(codes(await send(platform.gatewayUrl, DeleteStrategyDocument, { id }, other.accessToken))).toEqual(['NOT_FOUND']);
    expect(codes(await send(platform.gatewayUrl, WebhookDeliveriesDocument, { strategyId: id }, other.accessToken))).toEqual(['NOT_FOUND']);
    expect((await send(platform.gatewayUrl, StrategiesDocument, {}, other.accessToken)).data!.strategies.nodes).toEqual([]);

    const updated = await send(platform.gatewayUrl, UpdateStrategyDocument, { id, input: { name: 'Renamed', cooldownSeconds: 30 } }, owner.accessToken);
    expect(updated.data!.updateStrategy).toMatchObject({ name: 'Renamed', cooldownSeconds: 30, condition: 'price < 1.0' });
    // Channels change one by one: those not named stay.
    const channels = async (change: { inApp?: boolean; email?: boolean; webhookUrl?: string | null }) =>
      (await send(platform.gatewayUrl, UpdateStrategyDocument, { id, input: { channels: change } }, owner.accessToken)).data!.updateStrategy.channels;
    expect(await channels({ email: true })).toEqual({ inApp: true, email: true, webhookUrl: null });
    expect(await channels({ webhookUrl: 'https://hooks.example.com/herck' })).toEqual({ inApp: true, email: true, webhookUrl: 'https://hooks.example.com/herck' });
    expect(await channels({ inApp: false })).toEqual({ inApp: false, email: true, webhookUrl: 'https://hooks.example.com/herck' });
    expect(await channels({ webhookUrl: null })).toEqual({ inApp: false, email: true, webhookUrl: null });
    const disabled = await send(platform.gatewayUrl, SetStrategyEnabledDocument, { id, enabled: false }, owner.accessToken);
    expect(disabled.data!.setStrategyEnabled.enabled).toBe(false);

    const more = await Promise.all([1, 2, 3].map(() => send(platform.gatewayUrl, CreateStrategyDocument, { input: { ...breakout(), condition: 'price < 1.0' } }, owner.accessToken)));
    expect(more.flatMap(codes)).toEqual(['CONFLICT']);
    const page = await send(platform.gatewayUrl, StrategiesDocument, { first: 2 }, owner.accessToken);
    expect(page.data!.strategies.nodes).toHaveLength(2);
    const rest = await send(platform.gatewayUrl, StrategiesDocument, { first: 2, after: page.data!.strategies.pageInfo.endCursor }, owner.accessToken);
    expect(rest.data!.strategies.nodes).toHaveLength(1);
    // Another list's cursor is no position in this one, though both are ordered by time and id.
    const strategiesCursor = page.data!.strategies.pageInfo.endCursor;
    for (const [name, answer] of [
      ['alerts', await send(platform.gatewayUrl, AlertsDocument, { first: 2, after: strategiesCursor }, owner.accessToken)],
      ['notifications', await send(platform.gatewayUrl, NotificationsDocument, { first: 2, after: strategiesCursor }, owner.accessToken)],
    ] as const) {
      expect({ name, errors: answer.errors?.map((error) => [error.extensions?.code, error.extensions?.field, error.message]) }).toEqual({ name, errors: [['BAD_USER_INPUT', 'after', 'Invalid cursor']] });
    }
    for (const strategy of [...page.data!.strategies.nodes, ...rest.data!.strategies.nodes]) {
      expect((await send(platform.gatewayUrl, DeleteStrategyDocument, { id: strategy.id }, owner.accessToken)).data!.deleteStrategy).toBe(true);
    }
    expect(await strategyCount()).toBe(0);
  });
});

describe('alerts subscriptions', () => {
  it("end a caller's own upstream connection quietly while others go on (no \"connection lost\" at every logout)", async () => {
    const linesOf = (msg: string) => gatewayLog.filter((line) => line.msg === msg && line.subgraph === 'analysis').length;
    const closedQuietly = () => linesOf('upstream graphql-ws connection closed');
    const before = { upstream: platform.gateway.live().upstreamSubscriptions, closed: closedQuietly(), opened: linesOf('upstream graphql-ws connection open') };
    subscribeToAlerts(owner.accessToken);
    const leaving = clients.length;
    subscribeToAlerts(other.accessToken);
    // Both callers' own connections to analysis are up (a connection closed before it opened is quiet either way).
    await eventually(async () => platform.gateway.live().upstreamSubscriptions === before.upstream + 2 && linesOf('upstream graphql-ws connection open') >= before.opened + 2, 20_000);
    await clients.splice(leaving - 1, 1)[0]!.dispose();
    await eventually(async () => closedQuietly() > before.closed, 20_000);
    expect(platform.gateway.live().upstreamSubscriptions).toBe(before.upstream + 1);
    expect(gatewayLog.filter((line) => line.msg === 'upstream graphql-ws connection lost; reconnecting')).toEqual([]);
  });
});

describe('alerts', () => {
  it('fire when the price crosses, live over the gateway with market data, in-app, by mail and by signed webhook', async () => {
    const mailsBefore = platform.mailbox.countFor(owner.email);
    const mine = subscribeToAlerts(owner.accessToken);
    const theirs = subscribeToAlerts(other.accessToken);
    receiver.statuses = [500];
    const created = await send(platform.gatewayUrl, CreateStrategyDocument, { input: breakout(receiver.url) }, owner.accessToken);
    const { strategy, webhookSecret } = created.data!.createStrategy;
    // The other user watches the same crossing with a strategy of their own: both subscriptions are live.
    const theirStrategy = (await send(platform.gatewayUrl, CreateStrategyDocument, { input: { ...breakout(), name: 'Theirs', channels: { inApp: false, email: false } } }, other.accessToken)).data!.createStrategy.strategy;
    // Let a few rounds at 100,000 pass: the condition does not hold, nothing fires.
    const roundsBefore = coingecko.requestsTo('/api/v3/coins/markets').length;
    await eventually(async () => coingecko.requestsTo('/api/v3/coins/markets').length >= roundsBefore + 3, 15_000);
    await platform.analysis!.runtime.catchUpEvents();
    expect(mine.events).toEqual([]);

    await setBitcoin(106_000);
    await eventually(async () => mine.events.length >= 1, 20_000);
    const [alert] = mine.events;
    expect(alert).toMatchObject({ symbol: 'BTC', price: '106000', strategy: { id: strategy.id, name: 'Bitcoin breakout' }, asset: { symbol: 'BTC' } });
    expect(alert!.asset.latestTick?.price).toEqual(expect.stringMatching(/^\d/));
    expect(alert!.values).toMatchObject({ price: 106000 });

    // While the price stays above, no second alert.
    const seen = coingecko.requestsTo('/api/v3/coins/markets').length;
    await eventually(async () => coingecko.requestsTo('/api/v3/coins/markets').length >= seen + 3, 15_000);
    await platform.analysis!.runtime.catchUpEvents();
    expect(mine.events).toHaveLength(1);
    await eventually(async () => theirs.events.length === 1, 10_000);
    expect(theirs.events.map((event) => event.strategy.id)).toEqual([theirStrategy.id]);
    expect(mine.events.map((event) => event.strategy.id)).toEqual([strategy.id]);

    const listed = await send(platform.gatewayUrl, AlertsDocument, { unacknowledgedOnly: true }, owner.accessToken);
    expect(listed.data!.alerts.nodes.map((node) => node.id)).toEqual([alert!.id]);
    expect(listed.data!.alerts.nodes[0]!.asset.latestTick?.price).toEqual(expect.stringMatching(/^\d/));
    expect((await send(platform.gatewayUrl, AlertsDocument, {}, other.accessToken)).data!.alerts.nodes.map((node) => node.strategy.id)).toEqual([theirStrategy.id]);
    expect(codes(await send(platform.gatewayUrl, AcknowledgeAlertsDocument, { ids: [alert!.id] }, other.accessToken))).toEqual(['NOT_FOUND']);
    // One id in two letter cases is one alert (it was NOT_FOUND: two ids, one row).
    expect((await send(platform.gatewayUrl, AcknowledgeAlertsDocument, { ids: [alert!.id, alert!.id.toUpperCase()] }, owner.accessToken)).data!.acknowledgeAlerts).toBe(1);
    expect((await send(platform.gatewayUrl, AlertsDocument, { unacknowledgedOnly: true }, owner.accessToken)).data!.alerts.nodes).toEqual([]);

    const notifications = await send(platform.gatewayUrl, NotificationsDocument, { unreadOnly: true }, owner.accessToken);
    expect(notifications.data!.notifications.nodes).toEqual([expect.objectContaining({ alertId: alert!.id, readAt: null })]);
    const read = await send(platform.gatewayUrl, MarkNotificationsReadDocument, { ids: [notifications.data!.notifications.nodes[0]!.id] }, owner.accessToken);
    expect(read.data!.markNotificationsRead).toBe(1);

    const mail = await platform.mailbox.waitFor(owner.email, mailsBefore + 1, 15_000);
    expect(mail.subject).toMatch(/Bitcoin breakout/);

    // The receiver failed once (500); the retry a second later succeeds, and both tries are listed.
    await eventually(async () => receiver.received.length >= 2, 20_000);
    for (const delivery of receiver.received) {
      const header = String(delivery.headers['herck-signature']);
      expect(verifyWebhook(webhookSecret, delivery.body, header, Math.floor(Date.now() / 1000))).toBe(true);
      expect(verifyWebhook('whsec_wrong', delivery.body, header, Math.floor(Date.now() / 1000))).toBe(false);
      expect(JSON.parse(delivery.body)).toMatchObject({ type: 'alert', alert: { id: alert!.id, symbol: 'BTC', price: '106000' } });
    }
    await eventually(async () => (await send(platform.gatewayUrl, WebhookDeliveriesDocument, { strategyId: strategy.id }, owner.accessToken)).data!.webhookDeliveries[0]?.status === 'DELIVERED', 10_000);
    const [delivery] = (await send(platform.gatewayUrl, WebhookDeliveriesDocument, { strategyId: strategy.id }, owner.accessToken)).data!.webhookDeliveries;
    expect(delivery!.attempts.map((attempt) => attempt.httpStatus)).toEqual([500, 200]);

    // A restart keeps the state: the price is still above, so nothing fires again. A second replica
    // stands by while the first evaluates, and takes over when it stops.
    await send(platform.gatewayUrl, DeleteStrategyDocument, { id: theirStrategy.id }, other.accessToken);
    const alertsBefore = Number((await platform.analysis!.runtime.orm.em.fork().execute('SELECT count(*) FROM alerts'))[0].count);
    const replica = await platform.startAnalysisReplica();
    await platform.restartAnalysis();
    await eventually(async () => replica.engine.size === 1, 10_000);
    const restarted = coingecko.requestsTo('/api/v3/coins/markets').length;
    await eventually(async () => coingecko.requestsTo('/api/v3/coins/markets').length >= restarted + 3, 15_000);
    await Promise.all([platform.analysis!.runtime.catchUpEvents(), replica.runtime.catchUpEvents()]);
    expect(Number((await platform.analysis!.runtime.orm.em.fork().execute('SELECT count(*) FROM alerts'))[0].count)).toBe(alertsBefore);
    expect([platform.analysis!, replica].filter((running) => running.evaluating())).toHaveLength(1);

    // Falling back and crossing again fires once (whichever replica evaluates), and the gateway's
    // subscription (resubscribed upstream) delivers it.
    await setBitcoin(100_000);
    const fell = coingecko.requestsTo('/api/v3/coins/markets').length;
    await eventually(async () => coingecko.requestsTo('/api/v3/coins/markets').length >= fell + 2, 15_000);
    await Promise.all([platform.analysis!.runtime.catchUpEvents(), replica.runtime.catchUpEvents()]);
    await setBitcoin(107_000);
    await eventually(async () => mine.events.length >= 2, 20_000);
    expect(mine.events[1]).toMatchObject({ price: '107000' });
    await Promise.all([platform.analysis!.runtime.catchUpEvents(), replica.runtime.catchUpEvents()]);
    expect(Number((await platform.analysis!.runtime.orm.em.fork().execute('SELECT count(*) FROM alerts'))[0].count)).toBe(alertsBefore + 1);
    await send(platform.gatewayUrl, DeleteStrategyDocument, { id: strategy.id }, owner.accessToken);
  }, 120_000);

  it('pages notifications raised by one tick one at a time, none skipped', async () => {
    const watcher = await signUp(platform);
    const everything = { ...breakout(), name: 'Any price', symbols: ['btc', 'eth'], condition: 'price > 0.0', channels: { inApp: true, email: false, webhookUrl: null } };
    const created = await send(platform.gatewayUrl, CreateStrategyDocument, { input: everything }, watcher.accessToken);
    // Both symbols cross on the same tick: their notifications are written in one transaction.
    await eventually(async () => (await send(platform.gatewayUrl, NotificationsDocument, {}, watcher.accessToken)).data!.notifications.nodes.length === 2, 20_000);
    await send(platform.gatewayUrl, SetStrategyEnabledDocument, { id: created.data!.createStrategy.strategy.id, enabled: false }, watcher.accessToken);

    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page += 1) {
      const { nodes, pageInfo }: NotificationsQuery['notifications'] = (await send(platform.gatewayUrl, NotificationsDocument, { first: 1, after }, watcher.accessToken)).data!.notifications;
      seen.push(...nodes.map((node) => node.id));
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor!;
    }
    const all = (await send(platform.gatewayUrl, NotificationsDocument, {}, watcher.accessToken)).data!.notifications.nodes.map((node) => node.id);
    expect(seen).toEqual(all);
    expect(new Set(seen).size).toBe(2);
  }, 60_000);

  it('are listed with their strategy while it is being deleted: in one snapshot, never an internal error', async () => {
    const reader = await signUp(platform);
    const input = { ...breakout(), name: 'Deleted while read', condition: 'price > 0.0', channels: { inApp: false, email: false, webhookUrl: null } };
    const strategyId = (await send(platform.gatewayUrl, CreateStrategyDocument, { input }, reader.accessToken)).data!.createStrategy.strategy.id;
    await eventually(async () => (await send(platform.gatewayUrl, AlertsDocument, {}, reader.accessToken)).data!.alerts.nodes.length === 1, 20_000);

    // The deletion is made to land while the alerts are read (a lock held from the test keeps the read waiting).
    // Read one after the other, alerts then strategies, the alert was listed without its strategy: an internal error.
    const connect = () => connectToDatabase(platform.analysis!.runtime.config.databaseUrl);
    const [deletion, watcher] = [await connect(), await connect()];
    try {
      await deletion.query('BEGIN');
      await deletion.query('LOCK TABLE strategies IN ACCESS EXCLUSIVE MODE');
      const reading = send(platform.gatewayUrl, AlertsDocument, {}, reader.accessToken);
      await eventually(async () => (await watcher.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%strategies%'`)).rowCount! > 0, 30_000);
      await deletion.query('DELETE FROM strategies WHERE id = $1', [strategyId]);
      await deletion.query('COMMIT');
      const read = await reading;
      // One statement reads alerts and strategies in one snapshot, taken once it has its locks: after the deletion.
      expect(codes(read)).toEqual([]);
      expect(read.data!.alerts.nodes).toEqual([]);
    } finally {
      await Promise.all([deletion, watcher].map((client) => client.end()));
    }
    expect((await send(platform.gatewayUrl, AlertsDocument, {}, reader.accessToken)).data!.alerts.nodes).toEqual([]);
  }, 60_000);

  it('are written beside an edit of their strategy without a deadlock: a round locks its strategies before their states', async () => {
    const editor = await signUp(platform);
    const input = { ...breakout(), name: 'Edited while it fires', symbols: ['BTC', 'ETH'], condition: 'price < 0.0', channels: { inApp: false, email: false, webhookUrl: null } };
    const strategy = (await send(platform.gatewayUrl, CreateStrategyDocument, { input }, editor.accessToken)).data!.createStrategy.strategy;
    const definition: StrategyDefinition = { ...input, id: strategy.id, ownerId: editor.accountId, trigger: TriggerMode.ON_CROSS, generation: 0 };
    // A round's outcome: the strategy's BTC state changed (a stored row: updated in place), and it fired on ETH.
    const outcomes: EvaluationOutcome[] = [
      { firings: [], states: [{ strategyId: strategy.id, symbol: 'BTC', state: { holds: true, lastFiredAt: null }, signal: signalOf(definition) }], errors: [], recovered: [] },
      { firings: [{ strategy: definition, symbol: 'ETH', at: new Date(), price: 1, exactPrice: '1', values: {} }], states: [], errors: [], recovered: [] },
    ];
    const connect = () => connectToDatabase(platform.analysis!.runtime.config.databaseUrl);
    const [edit, watcher] = [await connect(), await connect()];
    try {
      await edit.query(`INSERT INTO strategy_states (strategy_id, symbol, holds) VALUES ($1, 'BTC', false) ON CONFLICT DO NOTHING`, [strategy.id]);
      // As updateStrategy does: the strategy locked, then its states changed (startAfresh), with the round in between.
      await edit.query('BEGIN');
      await edit.query('SELECT 1 FROM strategies WHERE id = $1 FOR UPDATE', [strategy.id]);
      const round = platform.analysis!.runtime.orm.em.fork().transactional((tx) => writeOutcomes(tx, outcomes));
      await eventually(async () => (await watcher.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%strategies%'`)).rowCount! > 0, 30_000);
      // Written in the other order (the BTC state first), the round held that row here: PostgreSQL broke the deadlock by failing one side.
      await edit.query('UPDATE strategy_states SET holds = false WHERE strategy_id = $1', [strategy.id]);
      await edit.query('COMMIT');
      await round;
    } finally {
      await Promise.all([edit, watcher].map((client) => client.end()));
    }
    const alerts = (await send(platform.gatewayUrl, AlertsDocument, {}, editor.accessToken)).data!.alerts.nodes;
    expect(alerts.map((alert) => [alert.symbol, alert.strategy.id])).toEqual([['ETH', strategy.id]]);
  }, 60_000);
});

describe('a run-time error of a condition', () => {
  it('is its lastError while the condition fails, and gone once it evaluates again', async () => {
    const user = await signUp(platform);
    // A division by zero while Bitcoin is at 100,000, a number at any other price.
    const input = { ...breakout(), name: 'Fails at 100000', condition: 'int(price) / (int(price) - 100000) >= 0', channels: { inApp: false, email: false, webhookUrl: null } };
    const { id } = (await send(platform.gatewayUrl, CreateStrategyDocument, { input }, user.accessToken)).data!.createStrategy.strategy;
    const lastError = async () => (await send(platform.gatewayUrl, StrategyDocument, { id }, user.accessToken)).data!.strategy.lastError;
    await setBitcoin(100_000);
    await eventually(async () => (await lastError()) === 'division by zero', 20_000);
    await setBitcoin(101_000);
    await eventually(async () => (await lastError()) === null, 20_000);
    await send(platform.gatewayUrl, DeleteStrategyDocument, { id }, user.accessToken);
  }, 60_000);
});

describe("an account's alert budget", () => {
  const create = async (user: SignedUpUser, name: string, trigger: 'ON_CROSS' | 'ONCE') => {
    const input = { ...breakout(), name, symbols: ['BTC', 'ETH'], condition: 'price < 0.0', trigger, channels: { inApp: true, email: false, webhookUrl: null } };
    const { id } = (await send(platform.gatewayUrl, CreateStrategyDocument, { input }, user.accessToken)).data!.createStrategy.strategy;
    return { ...input, id, ownerId: user.accountId, trigger: TriggerMode[trigger], generation: 0 } satisfies StrategyDefinition;
  };
  const start = Date.now() - 3_600_000;
  // A round in which every strategy fires for both symbols, `seconds` after the start.
  const round = (seconds: number, strategies: StrategyDefinition[]): EvaluationOutcome[] =>
    ['BTC', 'ETH'].map((symbol) => ({
      firings: strategies.map((strategy) => ({ strategy, symbol, at: new Date(start + seconds * 1000), price: 1, exactPrice: '1', values: {} })),
      states: [],
      errors: [],
      recovered: [],
    }));
  const writeWithin = (perHour: number, outcomes: EvaluationOutcome[], logger?: Logger) =>
    platform.analysis!.runtime.orm.em.fork().transactional((tx) => writeOutcomes(tx, outcomes, logger, perHour));
  const alertsOf = async (user: SignedUpUser) => (await send(platform.gatewayUrl, AlertsDocument, { first: 100 }, user.accessToken)).data!.alerts.nodes;

  it('stores at most ALERTS_PER_ACCOUNT_PER_HOUR alerts an hour; a ONCE strategy and other accounts are not held back', async () => {
    const [flooder, neighbour] = [await signUp(platform), await signUp(platform)];
    const [flipping, once, theirs] = [await create(flooder, 'Flips every tick', 'ON_CROSS'), await create(flooder, 'Once', 'ONCE'), await create(neighbour, 'Theirs', 'ON_CROSS')];
    const write = (outcomes: EvaluationOutcome[]) => writeWithin(5, outcomes);

    for (const seconds of [0, 10, 20]) await write(round(seconds, [flipping]));
    // Six firings in three rounds: five stored, the sixth held back.
    expect((await alertsOf(flooder)).length).toBe(5);
    // Another account's budget is its own.
    await write(round(25, [theirs, flipping]));
    expect((await alertsOf(neighbour)).length).toBe(2);
    // Spent: the ONCE strategy still fires, the flipping one does not.
    await write(round(30, [flipping, once]));
    expect((await alertsOf(flooder)).map((alert) => alert.strategy.id).sort()).toEqual([...Array(5).fill(flipping.id), once.id].sort());
    // An hour after them the first five no longer count (the ONCE alert, stored like any other, still does): room again.
    await write(round(3_600 + 25, [flipping]));
    expect((await alertsOf(flooder)).length).toBe(6 + 2);
  });

  it('warns once when it runs out: in the round whose last alert spends it, or within a round', async () => {
    // Rounds of two firings: a budget of 4 is spent exactly at a round's end, one of 5 within the third round.
    for (const [perHour, storedPerRound] of [[4, [2, 2, 0, 0]], [5, [2, 2, 1, 0]]] as const) {
      const user = await signUp(platform);
      const flipping = await create(user, `Budget of ${perHour}`, 'ON_CROSS');
      const warnings: string[] = [];
      const logger = new Logger('analysis', 'warn', {}, (line) => void warnings.push((JSON.parse(line) as { msg: string }).msg));
      const stored: number[] = [];
      for (const seconds of [0, 10, 20, 30]) {
        const before = (await alertsOf(user)).length;
        await writeWithin(perHour, round(seconds, [flipping]), logger);
        stored.push((await alertsOf(user)).length - before);
      }
      expect(stored).toEqual(storedPerRound);
      expect(warnings.filter((msg) => msg.includes('ALERTS_PER_ACCOUNT_PER_HOUR'))).toHaveLength(1);
    }
  });

  it('is spent only by the alerts stored: a firing the writer drops, or stored already, takes none of it', async () => {
    const user = await signUp(platform);
    const [switchedOff, edited, live] = [await create(user, 'Switched off', 'ON_CROSS'), await create(user, 'Edited', 'ON_CROSS'), await create(user, 'Live', 'ON_CROSS')];
    expect(codes(await send(platform.gatewayUrl, SetStrategyEnabledDocument, { id: switchedOff.id, enabled: false }, user.accessToken))).toEqual([]);
    expect(codes(await send(platform.gatewayUrl, UpdateStrategyDocument, { id: edited.id, input: { condition: 'price < -1.0' } }, user.accessToken))).toEqual([]);
    const spent = async () => (await platform.analysis!.runtime.orm.em.fork().execute<{ n: number }[]>('SELECT count(*)::int AS n FROM alert_budget_spent WHERE owner_id = ?', [user.accountId]))[0]!.n;
    // A round evaluated before the switch-off and the edit, written after them: only the live strategy's firings are alerts.
    await writeWithin(3, round(0, [switchedOff, edited, live]));
    expect((await alertsOf(user)).map((alert) => alert.strategy.id)).toEqual([live.id, live.id]);
    // That round again (a replica taking over wrote it too), with the next one: what is stored already spends nothing more.
    await writeWithin(3, [...round(0, [live]), ...round(10, [live])]);
    expect((await alertsOf(user)).length).toBe(3);
    expect(await spent()).toBe(3);
  });

  it("forgets at housekeeping what was spent a day ago, whatever the account's strategies", async () => {
    const [onceOnly, rarely] = [await signUp(platform), await signUp(platform)];
    const [once, seldom] = [await create(onceOnly, 'Once only', 'ONCE'), await create(rarely, 'Fires rarely', 'ON_CROSS')];
    const firing = (strategy: StrategyDefinition, symbol: string, ago: number) => ({ strategy, symbol, at: new Date(Date.now() - ago), price: 1, exactPrice: '1', values: {} });
    const [minutes, hours] = [60_000, 3_600_000];
    // A ONCE strategy's alert spends too (though it is never held back); the other account fired a day and an hour ago, and just now.
    await writeWithin(5, [{ firings: [firing(once, 'BTC', 48 * hours), firing(seldom, 'BTC', 25 * hours), firing(seldom, 'ETH', 10 * minutes)], states: [], errors: [], recovered: [] }]);
    const spentAgo = async () =>
      (
        await platform.analysis!.runtime.orm.em.fork().execute<{ owner_id: string; ago: number }[]>(
          'SELECT owner_id, round(extract(epoch FROM now() - triggered_at) / 3600)::int AS ago FROM alert_budget_spent WHERE owner_id IN (?, ?) ORDER BY triggered_at',
          [onceOnly.accountId, rarely.accountId],
        )
      ).map((row) => `${row.owner_id === onceOnly.accountId ? 'once only' : 'rarely'} ${row.ago} h ago`);
    expect(await spentAgo()).toEqual(['once only 48 h ago', 'rarely 25 h ago', 'rarely 0 h ago']);
    // Neither account fires again: the pass forgets what no round can count any more, and keeps the rest.
    await platform.analysis!.housekeeping();
    expect(await spentAgo()).toEqual(['rarely 0 h ago']);
  });

  it('is not given back by deleting the strategies that spent it and making new ones', async () => {
    const user = await signUp(platform);
    const spender = await create(user, 'Spends the budget', 'ON_CROSS');
    await writeWithin(4, round(0, [spender]));
    await writeWithin(4, round(10, [spender]));
    expect((await alertsOf(user)).length).toBe(4);
    // The alerts go with their strategy; the hour's firings still count.
    expect(codes(await send(platform.gatewayUrl, DeleteStrategyDocument, { id: spender.id }, user.accessToken))).toEqual([]);
    const successor = await create(user, 'Made after the deletion', 'ON_CROSS');
    await writeWithin(4, round(20, [successor]));
    expect(await alertsOf(user)).toEqual([]);
    // An hour after the deleted strategy's alerts, there is room again.
    await writeWithin(4, round(3_600 + 15, [successor]));
    expect((await alertsOf(user)).length).toBe(2);
  });
});

describe('a strategy deleted with many alerts', () => {
  it('takes its alerts, notifications and deliveries with one cascade per table, not one per alert', async () => {
    const user = await signUp(platform);
    const input = { ...breakout(receiver.url), name: 'Deleted with its alerts', symbols: ['BTC', 'ETH'], condition: 'price < 0.0', channels: { inApp: true, email: false, webhookUrl: receiver.url } };
    const { id } = (await send(platform.gatewayUrl, CreateStrategyDocument, { input }, user.accessToken)).data!.createStrategy.strategy;
    const strategy: StrategyDefinition = { ...input, id, ownerId: user.accountId, trigger: TriggerMode.ON_CROSS, generation: 0 };
    const at = Date.now() - 60_000;
    const outcomes: EvaluationOutcome[] = [0, 1].map((second) => ({
      firings: ['BTC', 'ETH'].map((symbol) => ({ strategy, symbol, at: new Date(at + second * 1000), price: 1, exactPrice: '1', values: {} })),
      states: [],
      errors: [],
      recovered: [],
    }));
    await platform.analysis!.runtime.orm.em.fork().transactional((tx) => writeOutcomes(tx, outcomes));
    const db = await connectToDatabase(platform.analysis!.runtime.config.databaseUrl);
    try {
      const rows = async (table: string) => Number((await db.query(`SELECT count(*) FROM ${table} WHERE alert_id IN (SELECT id FROM alerts WHERE strategy_id = $1)`, [id])).rows[0].count);
      expect([await rows('notifications'), await rows('deliveries')]).toEqual([4, 4]);
      // PostgreSQL runs a reference's ON DELETE CASCADE once per deleted row of the table referred to: with
      // notifications and deliveries going with each alert, every alert cost two more searches (0.5 s for 3,000).
      await db.query('BEGIN');
      const [{ 'QUERY PLAN': [plan] }] = (await db.query('EXPLAIN (ANALYZE, FORMAT JSON) DELETE FROM strategies WHERE id = $1', [id])).rows as { 'QUERY PLAN': [{ Triggers: { 'Constraint Name': string; Calls: number }[] }] }[];
      await db.query('ROLLBACK');
      expect(plan.Triggers.filter((trigger) => trigger.Calls > 1).map((trigger) => trigger['Constraint Name'])).toEqual([]);
      expect(codes(await send(platform.gatewayUrl, DeleteStrategyDocument, { id }, user.accessToken))).toEqual([]);
      const left = await db.query(`SELECT (SELECT count(*) FROM alerts WHERE owner_id = $1) + (SELECT count(*) FROM notifications WHERE owner_id = $1) + (SELECT count(*) FROM deliveries WHERE target = $2 AND body LIKE '%' || $3 || '%') AS n`, [user.accountId, receiver.url, id]);
      expect(Number(left.rows[0].n)).toBe(0);
    } finally {
      await db.end();
    }
  });

  it('takes too a notification that a replica of the version before wrote without its strategy during the upgrade', async () => {
    const user = await signUp(platform);
    const input = { ...breakout(), name: 'Deleted mid-upgrade', symbols: ['BTC'], condition: 'price < 0.0', channels: { inApp: true, email: false, webhookUrl: null } };
    const { id } = (await send(platform.gatewayUrl, CreateStrategyDocument, { input }, user.accessToken)).data!.createStrategy.strategy;
    const strategy: StrategyDefinition = { ...input, id, ownerId: user.accountId, trigger: TriggerMode.ON_CROSS, generation: 0 };
    const firing = { strategy, symbol: 'BTC', at: new Date(Date.now() - 60_000), price: 1, exactPrice: '1', values: {} };
    await platform.analysis!.runtime.orm.em.fork().transactional((tx) => writeOutcomes(tx, [{ firings: [firing], states: [], errors: [], recovered: [] }]));
    const db = await connectToDatabase(platform.analysis!.runtime.config.databaseUrl);
    try {
      // The evaluating replica still runs the version before the migration (a new one migrated as it started): its insert names no strategy.
      await db.query(`INSERT INTO notifications (id, owner_id, alert_id, message, created_at) SELECT gen_random_uuid(), owner_id, id, 'from the old writer', now() FROM alerts WHERE strategy_id = $1`, [id]);
      expect(codes(await send(platform.gatewayUrl, DeleteStrategyDocument, { id }, user.accessToken))).toEqual([]);
      const left = await db.query('SELECT count(*) FROM notifications WHERE owner_id = $1', [user.accountId]);
      expect(Number(left.rows[0].count)).toBe(0);
    } finally {
      await db.end();
    }
  });
});

describe('a page of alerts', () => {
  it('is read with its strategies in one round trip to the database', async () => {
    const user = await signUp(platform);
    const input = { ...breakout(), name: 'Read in one trip', symbols: ['BTC', 'ETH'], condition: 'price < 0.0', channels: { inApp: false, email: false, webhookUrl: null } };
    const { id } = (await send(platform.gatewayUrl, CreateStrategyDocument, { input }, user.accessToken)).data!.createStrategy.strategy;
    const strategy: StrategyDefinition = { ...input, id, ownerId: user.accountId, trigger: TriggerMode.ON_CROSS, generation: 0 };
    const at = new Date(Date.now() - 60_000);
    const firings = ['BTC', 'ETH'].map((symbol) => ({ strategy, symbol, at, price: 1, exactPrice: '1', values: {} }));
    await platform.analysis!.runtime.orm.em.fork().transactional((tx) => writeOutcomes(tx, [{ firings, states: [], errors: [], recovered: [] }]));
    // A store of its own, whose every statement (BEGIN and COMMIT included) is logged here.
    const statements: string[] = [];
    const logger = new Logger('analysis', 'debug', {}, (line) => void statements.push((JSON.parse(line) as { msg: string }).msg));
    const orm = await openOrm({ url: platform.analysis!.runtime.config.databaseUrl, ...analysisStore, logger, poolSize: 1 });
    try {
      statements.length = 0;
      const alerts = await readAlerts(orm.em.fork(), 'SELECT * FROM alerts WHERE owner_id = ? ORDER BY triggered_at DESC, id DESC LIMIT ?', [user.accountId, 10]);
      // Both at one time, so in the order of their ids: compared in the symbols' order.
      expect(alerts.map((alert) => `${alert.symbol} of ${alert.strategyAsRead.name}, created at a ${alert.strategyAsRead.createdAt.constructor.name}`).sort()).toEqual([
        'BTC of Read in one trip, created at a Date',
        'ETH of Read in one trip, created at a Date',
      ]);
      expect(statements.filter((msg) => msg.includes('[query]'))).toHaveLength(1);
    } finally {
      await orm.close();
    }
  });
});
