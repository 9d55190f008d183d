import http from 'node:http';
import { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { print } from 'graphql';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { verifyWebhook } from '@herck/analysis';
import { ReplayServer } from '../../subgraphs/market/test/providers/replay-server';
import { codes, send } from './support/graphql-client';
import {
  AlertRaisedDocument,
  AlertRaisedSubscription,
  AlertsDocument,
  BacktestStrategyDocument,
  CreateStrategyDocument,
  CreateStrategyInput,
  DeleteStrategyDocument,
  MarkNotificationsReadDocument,
  NotificationsDocument,
  SetStrategyEnabledDocument,
  StrategyDocument,
  UpdateStrategyDocument,
  ValidateConditionDocument,
  WebhookDeliveriesDocument,
} from './support/operations.generated';
import { TestPlatform, startTestPlatform } from './support/platform';
import { eventually, signUp, SignedUpUser } from './support/users';

/**
 * What a strategy's owner sees as the market moves, one round a second on a scripted
 * CoinGecko path: firing on the transition per symbol, cooldowns, re-arming, switching
 * off and on, edits and deletions mid-stream, webhook retries, and what other users see.
 */
const recorded = JSON.parse(readFileSync(require.resolve('../../subgraphs/market/test/fixtures/coingecko/coins-markets.json'), 'utf8')) as { symbol: string; current_price: number }[];

let coingecko: ReplayServer;
let platform: TestPlatform;
const clients: Client[] = [];
const prices = { btc: 100_000, eth: 3_000 };

const setPrices = async (change: Partial<typeof prices>) => {
  Object.assign(prices, change);
  coingecko.route('GET', '/api/v3/coins/markets', { body: recorded.map((coin) => (coin.symbol in prices ? { ...coin, current_price: prices[coin.symbol as keyof typeof prices] } : coin)) });
};

/** Rounds market has stored with a time after `after` (a round's time is the boundary its fetch started at). */
async function roundsStoredAfter(after: Date): Promise<number> {
  const [row] = await platform.market!.runtime.orm.em.fork().execute<{ rounds: string }[]>("SELECT count(*) AS rounds FROM ticks WHERE symbol = 'BTC' AND time > ?", [after]);
  return Number(row.rounds);
}

/** Lets `n` rounds fetched from now on (at the prices just set) be stored and announced, then analysis apply them. */
async function waitRounds(n: number): Promise<void> {
  const after = new Date();
  await eventually(async () => (await roundsStoredAfter(after)) >= n, 20_000);
  await platform.market!.runtime.relayEvents();
  await platform.analysis!.runtime.catchUpEvents();
}

beforeAll(async () => {
  coingecko = await ReplayServer.start();
  await setPrices({});
  coingecko.route('GET', '/api/v3/global', { fixture: 'coingecko/global.json' });
  platform = await startTestPlatform(
    {
      MARKET_INTERVAL_SECONDS: '1',
      MARKET_PROVIDERS: 'coingecko',
      MARKET_SYMBOLS: 'BTC,ETH',
      COINGECKO_BASE_URL: coingecko.url,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      DELIVERY_FIRST_RETRY_SECONDS: '1',
      STRATEGIES_PER_ACCOUNT: '4',
    },
    { market: {}, analysis: {} },
  );
  await eventually(async () => (await platform.analysis!.runtime.orm.em.fork().execute('SELECT 1 FROM symbols')).length === 2, 20_000);
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await platform?.stop();
  await coingecko?.stop();
}, 60_000);

const base: CreateStrategyInput = { name: 'audit', symbols: ['BTC'], interval: 'M1', indicators: [], condition: 'price > 105000.0', trigger: 'ON_CROSS', cooldownSeconds: 0, channels: { inApp: true, email: false, webhookUrl: null } };

async function createStrategy(user: SignedUpUser, input: Partial<CreateStrategyInput>) {
  const created = await send(platform.gatewayUrl, CreateStrategyDocument, { input: { ...base, ...input } }, user.accessToken);
  expect(created.errors).toBeUndefined();
  return created.data!.createStrategy;
}

async function alertsOf(user: SignedUpUser, strategyId: string) {
  await platform.analysis!.runtime.catchUpEvents();
  const nodes = (await send(platform.gatewayUrl, AlertsDocument, { first: 100 }, user.accessToken)).data!.alerts.nodes;
  return nodes.filter((alert) => alert.strategy.id === strategyId).reverse();
}

function subscribe(accessToken: string): AlertRaisedSubscription['alerts'][] {
  const events: AlertRaisedSubscription['alerts'][] = [];
  const client = createClient({ url: platform.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${accessToken}` }, lazy: false, retryAttempts: 0 });
  clients.push(client);
  client.subscribe<AlertRaisedSubscription>({ query: print(AlertRaisedDocument) }, { next: (event) => void (event.data && events.push(event.data.alerts)), error: () => undefined, complete: () => undefined });
  return events;
}

describe('a strategy over two symbols', () => {
  it('fires on each symbol’s own transition to true, once while it holds, and again after it falls back', async () => {
    await setPrices({ btc: 100_000, eth: 3_000 });
    await waitRounds(2);
    const user = await signUp(platform);
    const live = subscribe(user.accessToken);
    // BTC holds above 105,000; ETH (below 50,000) above 3,500.
    const { strategy } = await createStrategy(user, { symbols: ['BTC', 'ETH'], condition: 'price > 105000.0 || (price < 50000.0 && price > 3500.0)' });
    await waitRounds(3);
    expect(await alertsOf(user, strategy.id)).toEqual([]);

    await setPrices({ btc: 106_000 });
    await waitRounds(3);
    expect((await alertsOf(user, strategy.id)).map((alert) => [alert.symbol, alert.price])).toEqual([['BTC', '106000']]);

    // ETH crosses while BTC still holds: one ETH alert, nothing more for BTC.
    await setPrices({ eth: 3_600 });
    await waitRounds(3);
    expect((await alertsOf(user, strategy.id)).map((alert) => [alert.symbol, alert.price])).toEqual([
      ['BTC', '106000'],
      ['ETH', '3600'],
    ]);

    // BTC falls back and crosses again: re-armed, it fires again.
    await setPrices({ btc: 100_000 });
    await waitRounds(2);
    await setPrices({ btc: 107_000 });
    await waitRounds(3);
    const alerts = await alertsOf(user, strategy.id);
    expect(alerts.map((alert) => [alert.symbol, alert.price])).toEqual([
      ['BTC', '106000'],
      ['ETH', '3600'],
      ['BTC', '107000'],
    ]);
    await eventually(async () => live.length >= 3, 10_000);
    expect(live.map((alert) => alert.id)).toEqual(alerts.map((alert) => alert.id));
    expect(live.every((alert) => alert.asset.latestTick !== null)).toBe(true);
    await send(platform.gatewayUrl, DeleteStrategyDocument, { id: strategy.id }, user.accessToken);
  }, 90_000);
});

describe('a cooldown', () => {
  it('swallows a crossing within it, and the next crossing after it fires', async () => {
    await setPrices({ btc: 100_000 });
    await waitRounds(2);
    const user = await signUp(platform);
    const { strategy } = await createStrategy(user, { cooldownSeconds: 12 });
    await setPrices({ btc: 106_000 });
    await waitRounds(2);
    const [first] = await alertsOf(user, strategy.id);
    expect(first).toBeDefined();
    const firedAt = new Date(first!.triggeredAt).getTime();

    await setPrices({ btc: 100_000 });
    await waitRounds(2);
    await setPrices({ btc: 106_000 });
    await waitRounds(2);
    expect(Date.now() - firedAt).toBeLessThan(12_000);
    expect(await alertsOf(user, strategy.id)).toHaveLength(1);

    // Past the cooldown a new crossing fires.
    await eventually(async () => Date.now() - firedAt > 13_000, 20_000);
    await setPrices({ btc: 100_000 });
    await waitRounds(2);
    await setPrices({ btc: 106_500 });
    await waitRounds(3);
    const alerts = await alertsOf(user, strategy.id);
    expect(alerts.map((alert) => alert.price)).toEqual(['106000', '106500']);
    expect(new Date(alerts[1]!.triggeredAt).getTime() - firedAt).toBeGreaterThanOrEqual(12_000);
    await send(platform.gatewayUrl, DeleteStrategyDocument, { id: strategy.id }, user.accessToken);
  }, 90_000);
});

describe('a strategy switched off, edited and deleted while the market moves', () => {
  it('raises nothing while off, fires afresh when on or given a new signal, and nothing once deleted', async () => {
    await setPrices({ btc: 100_000 });
    await waitRounds(2);
    const user = await signUp(platform);
    const { strategy } = await createStrategy(user, {});
    expect((await send(platform.gatewayUrl, SetStrategyEnabledDocument, { id: strategy.id, enabled: false }, user.accessToken)).data!.setStrategyEnabled.enabled).toBe(false);
    await setPrices({ btc: 106_000 });
    await waitRounds(3);
    expect(await alertsOf(user, strategy.id)).toEqual([]);

    // Back on while the condition holds: it counts as turning true.
    await send(platform.gatewayUrl, SetStrategyEnabledDocument, { id: strategy.id, enabled: true }, user.accessToken);
    await waitRounds(3);
    expect(await alertsOf(user, strategy.id)).toHaveLength(1);

    // A new name changes nothing; a new condition that holds fires afresh (no cooldown).
    await send(platform.gatewayUrl, UpdateStrategyDocument, { id: strategy.id, input: { name: 'renamed' } }, user.accessToken);
    await waitRounds(3);
    expect(await alertsOf(user, strategy.id)).toHaveLength(1);
    await send(platform.gatewayUrl, UpdateStrategyDocument, { id: strategy.id, input: { condition: 'price > 104000.0' } }, user.accessToken);
    await waitRounds(3);
    const alerts = await alertsOf(user, strategy.id);
    expect(alerts).toHaveLength(2);
    expect(alerts[1]!.strategy.name).toBe('renamed');
    expect(alerts[1]!.message).toContain('price > 104000.0');

    // A new condition that does not hold: nothing until it crosses.
    await send(platform.gatewayUrl, UpdateStrategyDocument, { id: strategy.id, input: { condition: 'price > 108000.0' } }, user.accessToken);
    await waitRounds(2);
    expect(await alertsOf(user, strategy.id)).toHaveLength(2);
    await setPrices({ btc: 108_500 });
    await waitRounds(3);
    expect((await alertsOf(user, strategy.id)).map((alert) => alert.price)).toEqual(['106000', '106000', '108500']);

    expect((await send(platform.gatewayUrl, DeleteStrategyDocument, { id: strategy.id }, user.accessToken)).data!.deleteStrategy).toBe(true);
    await setPrices({ btc: 100_000 });
    await waitRounds(2);
    await setPrices({ btc: 109_000 });
    await waitRounds(3);
    const db = platform.analysis!.runtime.orm.em.fork();
    expect(await db.execute('SELECT 1 FROM alerts WHERE strategy_id = ? UNION ALL SELECT 1 FROM strategy_states WHERE strategy_id = ?', [strategy.id, strategy.id])).toEqual([]);
    expect(platform.analysis!.engine.size).toBe(0);
    expect(codes(await send(platform.gatewayUrl, StrategyDocument, { id: strategy.id }, user.accessToken))).toEqual(['NOT_FOUND']);
  }, 120_000);
});

describe('another user', () => {
  it('finds none of a user’s strategies, alerts or notifications: NOT_FOUND, nothing changed', async () => {
    const [owner, stranger] = await Promise.all([signUp(platform), signUp(platform)]);
    await setPrices({ btc: 106_000 });
    await waitRounds(1);
    const { strategy } = await createStrategy(owner, { condition: 'price > 0.0' });
    await waitRounds(3);
    const [notification] = (await send(platform.gatewayUrl, NotificationsDocument, {}, owner.accessToken)).data!.notifications.nodes;
    expect(notification).toBeDefined();
    const now = new Date().toISOString();
    const id = strategy.id;
    const refused = [
      await send(platform.gatewayUrl, StrategyDocument, { id }, stranger.accessToken),
      await send(platform.gatewayUrl, SetStrategyEnabledDocument, { id, enabled: false }, stranger.accessToken),
      await send(platform.gatewayUrl, UpdateStrategyDocument, { id, input: { condition: 'price < 0.0' } }, stranger.accessToken),
      await send(platform.gatewayUrl, BacktestStrategyDocument, { id, from: new Date(Date.now() - 3_600_000).toISOString(), to: now }, stranger.accessToken),
      await send(platform.gatewayUrl, WebhookDeliveriesDocument, { strategyId: id }, stranger.accessToken),
      await send(platform.gatewayUrl, MarkNotificationsReadDocument, { ids: [notification!.id] }, stranger.accessToken),
      await send(platform.gatewayUrl, DeleteStrategyDocument, { id }, stranger.accessToken),
    ];
    expect(refused.map(codes)).toEqual(refused.map(() => ['NOT_FOUND']));
    expect(JSON.stringify(refused.map((answer) => answer.errors))).not.toContain(owner.accountId);
    expect((await send(platform.gatewayUrl, NotificationsDocument, {}, stranger.accessToken)).data!.notifications.nodes).toEqual([]);
    // The owner's strategy and notification are as they were; marking read counts once.
    expect((await send(platform.gatewayUrl, StrategyDocument, { id }, owner.accessToken)).data!.strategy).toMatchObject({ enabled: true, condition: 'price > 0.0' });
    expect((await send(platform.gatewayUrl, MarkNotificationsReadDocument, { ids: [notification!.id] }, owner.accessToken)).data!.markNotificationsRead).toBe(1);
    expect((await send(platform.gatewayUrl, MarkNotificationsReadDocument, { ids: [notification!.id] }, owner.accessToken)).data!.markNotificationsRead).toBe(0);
    expect((await send(platform.gatewayUrl, NotificationsDocument, { unreadOnly: true }, owner.accessToken)).data!.notifications.nodes).toEqual([]);
  }, 60_000);
});

describe('saving a strategy', () => {
  it('refuses bad conditions and indicators with the code, field and position, writes nothing, and counts the limit per account', async () => {
    const user = await signUp(platform);
    const create = (input: Partial<CreateStrategyInput>) => send(platform.gatewayUrl, CreateStrategyDocument, { input: { ...base, ...input } }, user.accessToken);
    const refusal = async (input: Partial<CreateStrategyInput>) => (await create(input)).errors?.map((error) => [error.extensions?.code, error.extensions?.field, error.extensions?.position]);
    expect(await refusal({ condition: 'price >' })).toEqual([['BAD_USER_INPUT', 'condition', 7]]);
    expect(await refusal({ condition: 'price > 1.0 && bogus' })).toEqual([['BAD_USER_INPUT', 'condition', 15]]);
    expect(await refusal({ condition: 'price > "a"' })).toEqual([['BAD_USER_INPUT', 'condition', 0]]);
    expect(await refusal({ condition: 'price + 1.0' })).toEqual([['BAD_USER_INPUT', 'condition', 0]]);
    expect(await refusal({ condition: `price > 1.0${' || price > 1.0'.repeat(80)}` })).toEqual([['BAD_USER_INPUT', 'condition', 1000]]);
    expect(await refusal({ condition: 'rsi.k > 1.0', indicators: [{ name: 'rsi', kind: 'RSI', period: 14 }] })).toEqual([['BAD_USER_INPUT', 'condition', 4]]);
    expect(await refusal({ indicators: [{ name: 'm', kind: 'MACD', period: 12, fastPeriod: 12 }] })).toEqual([['BAD_USER_INPUT', 'indicators[0].fastPeriod', undefined]]);
    expect(await refusal({ indicators: [{ name: 'b', kind: 'BBANDS', period: 20, deviation: 0 }] })).toEqual([['BAD_USER_INPUT', 'indicators[0].deviation', undefined]]);
    expect(await refusal({ indicators: [{ name: 's', kind: 'SMA', period: 3, signalPeriod: 2 }] })).toEqual([['BAD_USER_INPUT', 'indicators[0].signalPeriod', undefined]]);
    expect(await refusal({ indicators: [{ name: 's', kind: 'STOCH', period: 14, signalPeriod: 1001 }] })).toEqual([['BAD_USER_INPUT', 'indicators[0].signalPeriod', undefined]]);
    expect(await refusal({ cooldownSeconds: -1 })).toEqual([['BAD_USER_INPUT', 'cooldownSeconds', undefined]]);
    const check = await send(platform.gatewayUrl, ValidateConditionDocument, { condition: 'macd.histogram > 0.0 && price < bb.lowr', indicators: [{ name: 'macd', kind: 'MACD', period: 26 }, { name: 'bb', kind: 'BBANDS', period: 20 }] }, user.accessToken);
    expect(check.data!.validateCondition).toMatchObject({ valid: false, errors: [{ position: expect.any(Number) }] });
    expect(await platform.analysis!.runtime.orm.em.fork().execute('SELECT 1 FROM strategies WHERE owner_id = ?', [user.accountId])).toEqual([]);

    const made = [];
    for (let index = 0; index < 4; index += 1) made.push((await createStrategy(user, { condition: 'price < 0.0' })).strategy.id);
    expect(codes(await create({ condition: 'price < 0.0' }))).toEqual(['CONFLICT']);
    await send(platform.gatewayUrl, DeleteStrategyDocument, { id: made[0]! }, user.accessToken);
    expect((await create({ condition: 'price < 0.0' })).errors).toBeUndefined();
  }, 60_000);
});

describe('a webhook whose receiver fails', () => {
  it('is retried with the same delivery id, each try signed anew, at growing intervals until it answers 2xx', async () => {
    const received: { at: number; headers: http.IncomingHttpHeaders; body: string }[] = [];
    const statuses = [500, 503, 500];
    const receiver = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        received.push({ at: Date.now(), headers: request.headers, body });
        response.writeHead(statuses.shift() ?? 200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      await setPrices({ btc: 100_000 });
      await waitRounds(1);
      const user = await signUp(platform);
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const { strategy, webhookSecret } = await createStrategy(user, { channels: { inApp: false, email: false, webhookUrl: url } });
      await setPrices({ btc: 106_000 });
      await eventually(async () => received.length >= 4, 30_000);
      const gaps = received.slice(1).map((delivery, index) => delivery.at - received[index]!.at);
      // 1 s, 2 s, 4 s (the worker looks every second, so each may come up to a second later).
      expect(gaps[0]).toBeGreaterThanOrEqual(900);
      expect(gaps[1]).toBeGreaterThanOrEqual(1900);
      expect(gaps[2]).toBeGreaterThanOrEqual(3900);
      expect(new Set(received.map((delivery) => delivery.headers['herck-delivery'])).size).toBe(1);
      for (const delivery of received) expect(verifyWebhook(webhookSecret, delivery.body, String(delivery.headers['herck-signature']), Math.floor(Date.now() / 1000))).toBe(true);
      await eventually(async () => (await send(platform.gatewayUrl, WebhookDeliveriesDocument, { strategyId: strategy.id }, user.accessToken)).data!.webhookDeliveries[0]?.status === 'DELIVERED', 10_000);
      const [delivery] = (await send(platform.gatewayUrl, WebhookDeliveriesDocument, { strategyId: strategy.id }, user.accessToken)).data!.webhookDeliveries;
      expect(delivery!.attempts.map((attempt) => attempt.httpStatus)).toEqual([500, 503, 500, 200]);
      expect(delivery!.id).toBe(received[0]!.headers['herck-delivery']);
      await send(platform.gatewayUrl, DeleteStrategyDocument, { id: strategy.id }, user.accessToken);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  }, 60_000);
});
