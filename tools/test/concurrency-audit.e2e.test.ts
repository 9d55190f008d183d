import { randomUUID } from 'node:crypto';
import Decimal from 'decimal.js';
import { definitionOf } from '../../subgraphs/analysis/src/modules/evaluation/engine-loader';
import { writeOutcomes } from '../../subgraphs/analysis/src/modules/evaluation/outcome-writer';
import { signalOf, StrategyDefinition } from '../../subgraphs/analysis/src/modules/evaluation/strategy-definition';
import type { EvaluationOutcome } from '../../subgraphs/analysis/src/modules/evaluation/strategy-engine';
import { Strategy } from '../../subgraphs/analysis/src/modules/strategy/strategy.entity';
import { TriggerMode } from '../../subgraphs/analysis/src/modules/strategy/trigger-mode';
import { ReplayServer } from '../../subgraphs/market/test/providers/replay-server';
import { codes, send, sendRaw } from './support/graphql-client';
import {
  AcknowledgeAlertsDocument,
  AddTransactionDocument,
  AlertsDocument,
  CreatePortfolioDocument,
  CreateStrategyDocument,
  DeleteAccountDocument,
  DeleteTransactionDocument,
  LoginDocument,
  MarkNotificationsReadDocument,
  NotificationsDocument,
  PortfolioValuationDocument,
  SetRolesDocument,
  SetStrategyEnabledDocument,
  StrategyDocument,
  UpdateAccountDocument,
  UpdateStrategyDocument,
} from './support/operations.generated';
import { TestPlatform, startTestPlatform } from './support/platform';
import { orderPricesReady, placeBuyOrder } from './support/orders';
import { startRecordedProviders } from './support/recorded-providers';
import { adminEnv, eventually, logInAdmin, signUp, SignedUpUser, STRONG_PASSWORD } from './support/users';
import { testRedis } from './support/test-redis';

/**
 * Concurrent mutations through the gateway: double clicks, retries, several tabs. Each probe sends
 * the same or conflicting mutations at once and checks the invariant the README promises.
 */

let providers: ReplayServer;
let platform: TestPlatform;
let admin: { accessToken: string };
let trader: SignedUpUser;
let buyer: SignedUpUser;

beforeAll(async () => {
  const recorded = await startRecordedProviders();
  providers = recorded.server;
  platform = await startTestPlatform({ ...adminEnv('concurrency-admin@example.com'), ...recorded.env }, { market: {}, analysis: {}, orders: {} });
  [trader, buyer] = await Promise.all([signUp(platform), signUp(platform)]);
  admin = await logInAdmin(platform);
  await orderPricesReady(platform);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await providers?.stop();
}, 60_000);

const analysisDb = () => platform.analysis!.runtime.orm.em.fork();
const accountDb = () => platform.account.runtime.orm.em.fork();

describe('a portfolio changed from several tabs at once', () => {
  const add = (portfolioId: string, input: Record<string, unknown>) => send(platform.gatewayUrl, AddTransactionDocument, { portfolioId, input } as never, trader.accessToken);
  const holdings = async (id: string) => (await send(platform.gatewayUrl, PortfolioValuationDocument, { id }, trader.accessToken)).data!.portfolio!;

  it('sells no more than is held: of ten sales of 0.3 against 1 held, three pass', async () => {
    const portfolio = (await send(platform.gatewayUrl, CreatePortfolioDocument, { name: 'Racing sales' }, trader.accessToken)).data!.createPortfolio;
    const time = new Date(Date.now() - 60_000).toISOString();
    expect(codes(await add(portfolio.id, { kind: 'BUY', symbol: 'ETH', quantity: '1', price: '1000', time }))).toEqual([]);
    const sales = await Promise.all(Array.from({ length: 10 }, () => add(portfolio.id, { kind: 'SELL', symbol: 'ETH', quantity: '0.3', price: '1100' })));
    expect(sales.filter((sale) => !sale.errors).length).toBe(3);
    expect(sales.flatMap(codes).filter((code) => code !== 'BAD_USER_INPUT')).toEqual([]);
    const eth = (await holdings(portfolio.id)).holdings.find((holding) => holding.symbol === 'ETH');
    expect(new Decimal(eth!.quantity).toFixed()).toBe('0.1');
  });

  it('withdraws no more cash than there is, and a buy deleted while sales race leaves nothing sold short', async () => {
    const portfolio = (await send(platform.gatewayUrl, CreatePortfolioDocument, { name: 'Racing cash' }, trader.accessToken)).data!.createPortfolio;
    const time = new Date(Date.now() - 60_000).toISOString();
    expect(codes(await add(portfolio.id, { kind: 'DEPOSIT', quantity: '100', time }))).toEqual([]);
    const withdrawals = await Promise.all(Array.from({ length: 8 }, () => add(portfolio.id, { kind: 'WITHDRAWAL', quantity: '30' })));
    expect(withdrawals.filter((answer) => !answer.errors).length).toBe(3);

    const bought = await add(portfolio.id, { kind: 'BUY', symbol: 'BTC', quantity: '2', price: '0', time });
    const buyId = bought.data!.addTransaction.id;
    const [deletion, ...sales] = await Promise.all([
      send(platform.gatewayUrl, DeleteTransactionDocument, { id: buyId }, trader.accessToken),
      ...Array.from({ length: 4 }, () => add(portfolio.id, { kind: 'SELL', symbol: 'BTC', quantity: '1', price: '0' })),
    ]);
    const sold = sales.filter((sale) => !sale.errors).length;
    // Either the buy went first (no sale passes) or some sales did (then the buy they sold from stays).
    expect(deletion.errors ? sold > 0 : sold === 0).toBe(true);
    const btc = (await holdings(portfolio.id)).holdings.find((holding) => holding.symbol === 'BTC');
    expect(new Decimal(btc?.quantity ?? 0).gte(0)).toBe(true);
  });
});

describe('buy orders placed at once', () => {
  it('with different keys: each is its own order, each lands once in the default portfolio', async () => {
    const answers = await Promise.all(Array.from({ length: 16 }, () => placeBuyOrder(platform, buyer.accessToken, { asset: 'BTC', currency: 'USD', amount: '10.00' })));
    expect(answers.flatMap(codes)).toEqual([]);
    const ids = new Set(answers.map((answer) => answer.data!.placeBuyOrder.id));
    expect(ids.size).toBe(16);
    await platform.analysis!.runtime.catchUpEvents();
    await eventually(async () => {
      const [row] = await analysisDb().execute<{ n: number }[]>('SELECT count(*)::int AS n FROM portfolio_transactions t JOIN portfolios p ON p.id = t.portfolio_id WHERE p.owner_id = ?', [buyer.accountId]);
      return row!.n >= 16;
    });
    const portfolios = await analysisDb().execute<{ n: number }[]>('SELECT count(*)::int AS n FROM portfolios WHERE owner_id = ? AND is_default', [buyer.accountId]);
    expect(portfolios[0]!.n).toBe(1);
  });

  it('with one key: one order, the same answer to all, one portfolio transaction', async () => {
    const idempotencyKey = randomUUID();
    const answers = await Promise.all(Array.from({ length: 20 }, () => placeBuyOrder(platform, buyer.accessToken, { asset: 'ETH', currency: 'EUR', amount: '12.34', idempotencyKey })));
    expect(answers.flatMap(codes)).toEqual([]);
    const orders = new Set(answers.map((answer) => JSON.stringify(answer.data!.placeBuyOrder)));
    expect(orders.size).toBe(1);
    const orderId = answers[0]!.data!.placeBuyOrder.id;
    await eventually(async () => (await analysisDb().execute('SELECT 1 FROM portfolio_transactions WHERE source_id = ?', [orderId])).length === 1);
    await platform.analysis!.runtime.catchUpEvents();
    expect((await analysisDb().execute('SELECT 1 FROM portfolio_transactions WHERE source_id = ?', [orderId])).length).toBe(1);
  });
});

describe('one username claimed by two accounts at once', () => {
  it('goes to one of them, and signs in that one', async () => {
    const [first, second] = await Promise.all([signUp(platform), signUp(platform)]);
    const wanted = `taken${randomUUID().slice(0, 6)}`;
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => send(platform.gatewayUrl, UpdateAccountDocument, { input: { username: wanted } } as never, (i % 2 ? first : second).accessToken)),
    );
    const winners = new Set(answers.filter((answer) => !answer.errors).map((answer) => (answer.data as { updateAccount: { id: string } }).updateAccount.id));
    expect(winners.size).toBe(1);
    expect(answers.flatMap(codes).filter((code) => code !== 'CONFLICT')).toEqual([]);
    const login = await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: wanted, password: STRONG_PASSWORD });
    expect(codes(login)).toEqual([]);
    const sub = JSON.parse(Buffer.from(login.data!.login.accessToken.split('.')[1]!, 'base64url').toString()).sub;
    expect(sub).toBe([...winners][0]);
  });
});

describe('an account deleted while an admin makes it an admin', () => {
  it('leaves no copy of its roles behind in account', async () => {
    // ADMIN granted takes no lock and waits for no event in auth: auth may still know the account a
    // moment after account deleted it, and announce roles that account then applies to nobody.
    const victims = await Promise.all(Array.from({ length: 6 }, () => signUp(platform)));
    await Promise.all(
      victims.flatMap((victim) => [
        send(platform.gatewayUrl, DeleteAccountDocument, { id: victim.accountId }, admin.accessToken),
        send(platform.gatewayUrl, SetRolesDocument, { accountId: victim.accountId, roles: ['USER', 'ADMIN'] }, admin.accessToken),
      ]),
    );
    // setRoles puts its event on the bus before it answers: account has it once it catches up.
    await platform.account.runtime.catchUpEvents();
    const ids = victims.map((victim) => victim.accountId);
    expect(await accountDb().execute('SELECT id FROM accounts WHERE id IN (?)', [ids])).toEqual([]);
    expect(await accountDb().execute('SELECT account_id FROM account_roles WHERE account_id IN (?)', [ids])).toEqual([]);
  });
});

/** What a strategy's firings left in the store: alerts, in-app notices, mails and webhooks to send. */
async function firedFor(strategyId: string): Promise<{ alerts: number; notifications: number; deliveries: number }> {
  const [counts] = await analysisDb().execute<{ alerts: number; notifications: number; deliveries: number }[]>(
    `SELECT (SELECT count(*) FROM alerts WHERE strategy_id = ?)::int AS alerts, (SELECT count(*) FROM notifications WHERE strategy_id = ?)::int AS notifications,
            (SELECT count(*) FROM deliveries WHERE strategy_id = ?)::int AS deliveries`,
    [strategyId, strategyId, strategyId],
  );
  return counts!;
}

describe('a round evaluated before an edit of its strategy and written after the edit answered', () => {
  it('leaves the edited strategy starting afresh, without the old condition’s error or alert', async () => {
    const input = { name: 'Edited mid-round', symbols: ['BTC'], interval: 'M1' as const, indicators: [], condition: 'price < 0.0', trigger: 'ON_CROSS' as const, cooldownSeconds: 0, channels: { inApp: true, email: true, webhookUrl: null } };
    const created = (await send(platform.gatewayUrl, CreateStrategyDocument, { input }, trader.accessToken)).data!.createStrategy.strategy;
    const evaluated: StrategyDefinition = { ...input, id: created.id, ownerId: trader.accountId, trigger: TriggerMode.ON_CROSS, generation: 0 };
    // What a round made of the strategy as it stood: its condition turned true on BTC (and fired), and failed on ETH.
    const firedAt = new Date(Date.now() - 10_000);
    const lateRound = {
      firings: [{ strategy: evaluated, symbol: 'BTC', at: firedAt, price: 1, exactPrice: '1', values: {} }],
      states: [{ strategyId: created.id, symbol: 'BTC', state: { holds: true, lastFiredAt: firedAt.getTime() }, signal: signalOf(evaluated) }],
      errors: [{ strategyId: created.id, message: 'the old condition failed', signal: signalOf(evaluated) }],
      recovered: [],
    } as EvaluationOutcome;
    // The owner changes the condition; the round, evaluated before, writes once the edit has answered
    // (it waited for the strategy's lock the edit held).
    const edited = await send(platform.gatewayUrl, UpdateStrategyDocument, { id: created.id, input: { condition: 'price < -1.0' } }, trader.accessToken);
    expect(codes(edited)).toEqual([]);
    await analysisDb().transactional((tx) => writeOutcomes(tx, [lateRound]));
    // Started afresh by the edit: a new condition that holds counts as turning true, so nothing holds yet; and
    // the firing stored no alert, so it starts no cooldown (it had kept the edited strategy quiet for its cooldown).
    expect(await analysisDb().execute('SELECT symbol, holds, last_fired_at FROM strategy_states WHERE strategy_id = ?', [created.id])).toEqual([{ symbol: 'BTC', holds: false, last_fired_at: null }]);
    // The old condition's firing is no alert of the strategy now: nothing stored, noticed, mailed.
    expect(await firedFor(created.id)).toEqual({ alerts: 0, notifications: 0, deliveries: 0 });
    const read = await send(platform.gatewayUrl, StrategyDocument, { id: created.id }, trader.accessToken);
    expect(read.data!.strategy!.lastError).toBeNull();
    // A round evaluated on the strategy as it now stands is written as it was made.
    // (The edit started it afresh: its second generation.)
    const current = signalOf({ ...evaluated, condition: 'price < -1.0', generation: 1 });
    const firing = { ...lateRound.firings[0]!, strategy: { ...evaluated, condition: 'price < -1.0', generation: 1 } };
    const nextRound = { firings: [firing], states: [{ ...lateRound.states[0]!, signal: current }], errors: [{ ...lateRound.errors[0]!, message: 'the new condition failed', signal: current }], recovered: [] } as EvaluationOutcome;
    await analysisDb().transactional((tx) => writeOutcomes(tx, [nextRound]));
    const [written] = await analysisDb().execute<{ symbol: string; holds: boolean; last_fired_at: string }[]>('SELECT symbol, holds, last_fired_at FROM strategy_states WHERE strategy_id = ?', [created.id]);
    expect({ ...written, last_fired_at: new Date(written!.last_fired_at) }).toEqual({ symbol: 'BTC', holds: true, last_fired_at: firedAt });
    expect(await firedFor(created.id)).toEqual({ alerts: 1, notifications: 1, deliveries: 1 });
    expect((await send(platform.gatewayUrl, StrategyDocument, { id: created.id }, trader.accessToken)).data!.strategy!.lastError).toBe('the new condition failed');
    // The old condition evaluating again says nothing of the new one's error; the new one evaluating again clears it.
    const recovery = (signal: string): EvaluationOutcome => ({ firings: [], states: [], errors: [], recovered: [{ strategyId: created.id, signal }] });
    await analysisDb().transactional((tx) => writeOutcomes(tx, [recovery(signalOf(evaluated))]));
    expect((await send(platform.gatewayUrl, StrategyDocument, { id: created.id }, trader.accessToken)).data!.strategy!.lastError).toBe('the new condition failed');
    await analysisDb().transactional((tx) => writeOutcomes(tx, [recovery(current)]));
    expect((await send(platform.gatewayUrl, StrategyDocument, { id: created.id }, trader.accessToken)).data!.strategy!.lastError).toBeNull();
  });
});

describe('alerts and notices acknowledged from several tabs at once', () => {
  it('count each one once, and a ONCE strategy written by two rounds at once fires once', async () => {
    const input = { name: 'Acknowledged twice', symbols: ['BTC'], interval: 'M1' as const, indicators: [], condition: 'price < 0.0', trigger: 'ONCE' as const, cooldownSeconds: 0, channels: { inApp: true, email: false, webhookUrl: null } };
    const created = (await send(platform.gatewayUrl, CreateStrategyDocument, { input }, trader.accessToken)).data!.createStrategy.strategy;
    const definition: StrategyDefinition = { ...input, id: created.id, ownerId: trader.accountId, trigger: TriggerMode.ONCE, generation: 0 };
    // Two rounds (a replica taking over while the other still writes) each fired it, at different times.
    const round = (seconds: number) => ({ firings: [{ strategy: definition, symbol: 'BTC', at: new Date(Date.now() - seconds * 1000), price: 1, exactPrice: '1', values: {} }], states: [], errors: [], recovered: [] }) as EvaluationOutcome;
    await Promise.all([5, 6].map((seconds) => analysisDb().transactional((tx) => writeOutcomes(tx, [round(seconds)]))));
    const alerts = (await send(platform.gatewayUrl, AlertsDocument, { unacknowledgedOnly: true }, trader.accessToken)).data!.alerts.nodes.filter((alert) => alert.strategy.id === created.id);
    expect(alerts).toHaveLength(1);

    const ids = alerts.map((alert) => alert.id);
    const acknowledged = await Promise.all(Array.from({ length: 10 }, () => send(platform.gatewayUrl, AcknowledgeAlertsDocument, { ids }, trader.accessToken)));
    expect(acknowledged.flatMap(codes)).toEqual([]);
    expect(acknowledged.reduce((sum, answer) => sum + answer.data!.acknowledgeAlerts, 0)).toBe(1);
    const notices = (await send(platform.gatewayUrl, NotificationsDocument, { unreadOnly: true }, trader.accessToken)).data!.notifications.nodes.map((notice) => notice.id);
    expect(notices.length).toBeGreaterThan(0);
    const read = await Promise.all(Array.from({ length: 10 }, () => send(platform.gatewayUrl, MarkNotificationsReadDocument, { ids: notices }, trader.accessToken)));
    expect(read.reduce((sum, answer) => sum + answer.data!.markNotificationsRead, 0)).toBe(notices.length);
  });
});

describe('operation rate limits hit by a burst', () => {
  it('let exactly the limit through, on one gateway and on two sharing Redis', async () => {
    const burst = async (urls: string[]) => {
      const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => sendRaw(urls[i % urls.length]!, { query: '{ me { id } }' }, buyer.accessToken)));
      return answers.map((answer) => answer.status);
    };
    const alone = await platform.startGateway({ RATE_LIMIT_USER_PER_MINUTE: '7' });
    const counted = (statuses: number[]) => [statuses.filter((status) => status === 200).length, statuses.filter((status) => status === 429).length];
    expect(counted(await burst([alone.url]))).toEqual([7, 17]);
    const shared = { REDIS_URL: testRedis().url, RATE_LIMIT_KEY_PREFIX: `audit-${randomUUID()}`, RATE_LIMIT_USER_PER_MINUTE: '9', RATE_LIMIT_REDIS_TIMEOUT_MS: '10000' };
    const replicas = [await platform.startGateway(shared), await platform.startGateway(shared)];
    expect(counted(await burst(replicas.map((replica) => replica.url)))).toEqual([9, 15]);
  });
});

describe('an account deleted while its owner goes on writing from other tabs', () => {
  it('leaves nothing of it in any store', async () => {
    const leaving = await signUp(platform);
    const portfolio = (await send(platform.gatewayUrl, CreatePortfolioDocument, { name: 'Going' }, leaving.accessToken)).data!.createPortfolio;
    const strategyInput = { name: 'Going', symbols: ['BTC'], interval: 'M1' as const, indicators: [], condition: 'price < 0.0' };
    // It fired before: an alert, its notice, and what it spent of the hour's budget (kept apart from the strategy) are in the store.
    const fired = (await send(platform.gatewayUrl, CreateStrategyDocument, { input: strategyInput }, leaving.accessToken)).data!.createStrategy.strategy;
    const definition: StrategyDefinition = { ...strategyInput, id: fired.id, ownerId: leaving.accountId, trigger: TriggerMode.ON_CROSS, cooldownSeconds: 0, generation: 0 };
    const firing = { strategy: definition, symbol: 'BTC', at: new Date(Date.now() - 60_000), price: 1, exactPrice: '1', values: {} };
    await analysisDb().transactional((tx) => writeOutcomes(tx, [{ firings: [firing], states: [], errors: [], recovered: [] }], undefined, 1000));
    const heldFor = async (table: string) => (await analysisDb().execute(`SELECT 1 FROM ${table} WHERE owner_id = ?`, [leaving.accountId])).length;
    expect([await heldFor('alerts'), await heldFor('notifications'), await heldFor('alert_budget_spent')]).toEqual([1, 1, 1]);
    const writes = [
      ...Array.from({ length: 3 }, () => send(platform.gatewayUrl, CreateStrategyDocument, { input: strategyInput }, leaving.accessToken)),
      ...Array.from({ length: 3 }, () => send(platform.gatewayUrl, CreatePortfolioDocument, { name: 'Going too' }, leaving.accessToken)),
      ...Array.from({ length: 3 }, () => placeBuyOrder(platform, leaving.accessToken, { asset: 'BTC', currency: 'USD', amount: '5.00' })),
      ...Array.from({ length: 3 }, () => send(platform.gatewayUrl, AddTransactionDocument, { portfolioId: portfolio.id, input: { kind: 'DEPOSIT', quantity: '10' } } as never, leaving.accessToken)),
      send(platform.gatewayUrl, UpdateAccountDocument, { input: { firstName: 'Leaving' } } as never, leaving.accessToken),
    ];
    const [deleted] = await Promise.all([send(platform.gatewayUrl, DeleteAccountDocument, { id: leaving.accountId }, admin.accessToken), ...writes]);
    expect(deleted.data?.deleteAccount).toBe(true);
    const gone = async (subgraph: 'analysis' | 'orders') => (await platform[subgraph]!.runtime.orm.em.fork().execute('SELECT 1 FROM deleted_owners WHERE id = ?', [leaving.accountId])).length === 1;
    await eventually(async () => (await gone('analysis')) && (await gone('orders')), 20_000);
    // A fill announced before the deletion reached analysis is applied first, then removed with the rest.
    await Promise.all([platform.analysis!.runtime.catchUpEvents(), platform.orders!.runtime.catchUpEvents()]);
    const left = async (subgraph: 'analysis' | 'orders', table: string) => (await platform[subgraph]!.runtime.orm.em.fork().execute(`SELECT 1 FROM ${table} WHERE owner_id = ?`, [leaving.accountId])).length;
    expect({
      strategies: await left('analysis', 'strategies'),
      portfolios: await left('analysis', 'portfolios'),
      alerts: await left('analysis', 'alerts'),
      notifications: await left('analysis', 'notifications'),
      alertBudget: await left('analysis', 'alert_budget_spent'),
      fills: await left('analysis', 'applied_fills'),
      orders: await left('orders', 'orders'),
    }).toEqual({ strategies: 0, portfolios: 0, alerts: 0, notifications: 0, alertBudget: 0, fills: 0, orders: 0 });
    expect(await accountDb().execute('SELECT 1 FROM accounts WHERE id = ?', [leaving.accountId])).toEqual([]);
    await platform.auth.runtime.catchUpEvents();
    const auth = platform.auth.runtime.orm.em.fork();
    expect(await auth.execute('SELECT 1 FROM credentials WHERE account_id = ? UNION ALL SELECT 1 FROM refresh_tokens WHERE account_id = ?', [leaving.accountId, leaving.accountId])).toEqual([]);
  });
});

describe('a round evaluated before its strategy was switched off and on again, and written after', () => {
  it('leaves the strategy starting afresh: the condition that held before is not written back, nor its firing', async () => {
    const input = { name: 'Off and on mid-round', symbols: ['BTC'], interval: 'M1' as const, indicators: [], condition: 'price < 0.0', trigger: 'ONCE' as const, cooldownSeconds: 0, channels: { inApp: true, email: true, webhookUrl: null } };
    const created = (await send(platform.gatewayUrl, CreateStrategyDocument, { input }, trader.accessToken)).data!.createStrategy.strategy;
    // The strategy as the engine read it, and what a round made of it: its condition turned true on BTC, and it fired.
    const readByEngine = async () => definitionOf(await analysisDb().findOneOrFail(Strategy, created.id));
    const firingOf = async (seconds: number) => ({ strategy: await readByEngine(), symbol: 'BTC', at: new Date(Date.now() - seconds * 1000), price: 1, exactPrice: '1', values: {} });
    const lateRound: EvaluationOutcome = {
      firings: [await firingOf(20)],
      states: [{ strategyId: created.id, symbol: 'BTC', state: { holds: true, lastFiredAt: null }, signal: signalOf(await readByEngine()) }],
      errors: [],
      recovered: [],
    };
    // Switched off and on again while the round waited for the strategy's lock: the same signal, started afresh.
    for (const enabled of [false, true]) expect(codes(await send(platform.gatewayUrl, SetStrategyEnabledDocument, { id: created.id, enabled }, trader.accessToken))).toEqual([]);
    await analysisDb().transactional((tx) => writeOutcomes(tx, [lateRound]));
    expect(await analysisDb().execute('SELECT symbol FROM strategy_states WHERE strategy_id = ? AND holds', [created.id])).toEqual([]);
    // The ONCE firing from before the switch-off neither alerts nor switches the strategy, on again, off.
    expect(await firedFor(created.id)).toEqual({ alerts: 0, notifications: 0, deliveries: 0 });
    expect((await readByEngine()).generation).toBe(1);
    expect((await analysisDb().findOneOrFail(Strategy, created.id)).enabled).toBe(true);
    // A round evaluated on the strategy as it now stands is written as it was made.
    const nextRound: EvaluationOutcome = { firings: [await firingOf(10)], states: [{ ...lateRound.states[0]!, signal: signalOf(await readByEngine()) }], errors: [], recovered: [] };
    await analysisDb().transactional((tx) => writeOutcomes(tx, [nextRound]));
    expect(await analysisDb().execute('SELECT symbol FROM strategy_states WHERE strategy_id = ? AND holds', [created.id])).toEqual([{ symbol: 'BTC' }]);
    expect(await firedFor(created.id)).toEqual({ alerts: 1, notifications: 1, deliveries: 1 });
  });
});
