import { randomUUID } from 'node:crypto';
import { codes, sendRaw } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { adminEnv, eventually, logInAdmin, signUp, SignedUpUser } from './support/users';

/**
 * The public contract name by name, as the issue texts write it (issues 2, 5–11),
 * sent as raw documents the way a held-out test would.
 */

let platform: TestPlatform;
let user: SignedUpUser;
let other: SignedUpUser;
let admin: { accessToken: string };

beforeAll(async () => {
  platform = await startTestPlatform(
    { ...adminEnv('contract-audit-admin@example.com'), MARKET_INTERVAL_SECONDS: '1', MARKET_SYMBOLS: 'BTC,ETH', RATE_LIMIT_USER_PER_MINUTE: '0', RATE_LIMIT_ANONYMOUS_PER_MINUTE: '0' },
    { market: {}, analysis: {}, orders: {}, logs: {} },
  );
  [user, other] = await Promise.all([signUp(platform), signUp(platform)]);
  admin = await logInAdmin(platform);
  await eventually(async () => Boolean(platform.orders!.prices.price('BTC')), 20_000);
}, 180_000);

afterAll(async () => {
  await platform?.stop();
}, 60_000);

const q = (query: string, variables?: Record<string, unknown>, token?: string) => sendRaw<Record<string, any>>(platform.gatewayUrl, { query, variables }, token);
const errs = (answer: { errors?: readonly { extensions?: Record<string, unknown>; path?: readonly (string | number)[] }[] }) =>
  (answer.errors ?? []).map((error) => [error.extensions?.code, error.extensions?.field ?? null]);

describe('issue 8: conditions as the issue writes them', () => {
  it("validateCondition accepts the issue's examples as written", async () => {
    const indicators = [
      { name: 'rsi14', kind: 'RSI', period: 14 },
      { name: 'sma50', kind: 'SMA', period: 50 },
      { name: 'macd', kind: 'MACD', period: 26 },
      { name: 'bb', kind: 'BBANDS', period: 20 },
    ];
    for (const condition of ['rsi14 < 30 && price > sma50', 'macd.histogram > 0 && price < bb.lower']) {
      const answer = await q('query($c: String!, $i: [IndicatorInput!]!) { validateCondition(condition: $c, indicators: $i) { valid errors { message position } } }', { c: condition, i: indicators }, user.accessToken);
      expect({ condition, check: answer.data?.validateCondition }).toEqual({ condition, check: { valid: true, errors: [] } });
    }
    const bad = await q('query($i: [IndicatorInput!]!) { validateCondition(condition: "rsi14 < 30 && bogus", indicators: $i) { valid errors { message position } } }', { i: indicators }, user.accessToken);
    expect(bad.data!.validateCondition.valid).toBe(false);
    expect(bad.data!.validateCondition.errors[0].position).toEqual(expect.any(Number));
  });

  it("reads every indicator kind and its outputs by the issue's names, and price, volume, change24h", async () => {
    const indicators = [
      { name: 'sma', kind: 'SMA', period: 5 }, { name: 'ema', kind: 'EMA', period: 5 }, { name: 'wma', kind: 'WMA', period: 5 }, { name: 'rsi', kind: 'RSI', period: 14 },
      { name: 'macd', kind: 'MACD', period: 26 }, { name: 'bb', kind: 'BBANDS', period: 20 }, { name: 'atr', kind: 'ATR', period: 14 }, { name: 'stoch', kind: 'STOCH', period: 14 },
      { name: 'roc', kind: 'ROC', period: 10 }, { name: 'obv', kind: 'OBV', period: 10 },
    ];
    const condition = 'sma > 0 && ema > 0 && wma > 0 && rsi < 70 && macd.line > 0 && macd.signal > 0 && macd.histogram > 0 && bb.upper > 0 && bb.middle > 0 && bb.lower > 0 && atr > 0 && stoch.k > 0 && stoch.d > 0 && roc > 0 && obv > 0 && price > 0 && volume > 0 && change24h > 0';
    const answer = await q('query($c: String!, $i: [IndicatorInput!]!) { validateCondition(condition: $c, indicators: $i) { valid errors { message position } } }', { c: condition, i: indicators }, user.accessToken);
    expect(answer.data?.validateCondition).toEqual({ valid: true, errors: [] });
    const created = await q('mutation($i: [IndicatorInput!]!, $c: String!) { createStrategy(input: { name: "kinds", symbols: ["BTC", "ETH"], indicators: $i, condition: $c, trigger: ONCE, cooldownSeconds: 10, channels: { inApp: false, email: true } }) { strategy { indicators { name kind period fastPeriod signalPeriod deviation } trigger channels { inApp email } } } }', { c: condition, i: indicators }, user.accessToken);
    expect(created.errors).toBeUndefined();
  });
});

describe('arguments with a default (issues 6, 8, 9, 10)', () => {
  it('an explicit null for an argument with a default means the default', async () => {
    const documents: [string, string][] = [
      ['{ fxRates(base: null) { base } }', 'user'],
      ['{ ticks(symbol: "BTC", first: null) { nodes { time } } }', 'user'],
      ['{ candles(symbol: "BTC", interval: M1, first: null) { nodes { openTime } } }', 'user'],
      ['{ globalMetrics(first: null) { nodes { time } } }', 'user'],
      ['{ assets(first: null) { nodes { symbol } } }', 'user'],
      ['{ asset(symbol: "BTC") { candles(interval: M1, first: null) { nodes { openTime } } } }', 'user'],
      ['{ strategies(first: null) { nodes { id } } }', 'user'],
      ['{ alerts(first: null) { nodes { id } } }', 'user'],
      ['{ notifications(first: null) { nodes { id } } }', 'user'],
      ['{ orders(first: null) { totalCount } }', 'user'],
      ['{ me { orders(first: null) { totalCount } } }', 'user'],
      ['{ accounts(first: null) { totalCount } }', 'admin'],
      ['{ allOrders(first: null) { totalCount } }', 'admin'],
      ['{ logs(first: null) { nodes { id } } }', 'admin'],
      ['{ ingestionGaps(first: null) { nodes { time } } }', 'admin'],
      ['mutation { createPortfolio(name: "nulls", costBasisMethod: null) { costBasisMethod } }', 'user'],
    ];
    const failures: unknown[] = [];
    for (const [document, who] of documents) {
      const answer = await q(document, {}, who === 'admin' ? admin.accessToken : user.accessToken);
      if (answer.errors) failures.push([document, errs(answer), answer.errors.map((error) => error.message)]);
    }
    expect(failures).toEqual([]);
  });
});

describe('issue 9: idempotency keys', () => {
  it('an idempotency key is the user’s own: another user with the same key gets an order of their own', async () => {
    const key = randomUUID();
    const place = (token: string, amount: string) => q('mutation($input: PlaceBuyOrderInput!) { placeBuyOrder(input: $input) { id amount owner { id } } }', { input: { asset: 'BTC', currency: 'eur', amount, idempotencyKey: key } }, token);
    const mine = await place(user.accessToken, '10');
    const theirs = await place(other.accessToken, '20');
    expect(mine.errors).toBeUndefined();
    expect(theirs.errors).toBeUndefined();
    expect(theirs.data!.placeBuyOrder.id).not.toBe(mine.data!.placeBuyOrder.id);
    expect(theirs.data!.placeBuyOrder.owner.id).toBe(other.accountId);
  });
});

describe('issue 6: full pages', () => {
  it('a full page of 1000 with every field the issue names passes the limits', async () => {
    const tick = 'symbol price quoteCurrency volume24h marketCap percentChange1h percentChange24h source time asset { symbol name } global { time totalMarketCap totalVolume24h btcDominance activeCryptocurrencies }';
    const candle = 'symbol interval openTime closeTime open high low close volume tickCount closed';
    const documents = [
      `{ ticks(symbol: "BTC", first: 1000) { edges { cursor node { ${tick} } } pageInfo { hasNextPage endCursor } } }`,
      `{ candles(symbol: "BTC", interval: M1, first: 1000) { edges { cursor node { ${candle} } } nodes { ${candle} } pageInfo { hasNextPage endCursor } } }`,
      `{ asset(symbol: "BTC") { candles(interval: H1, first: 1000) { nodes { ${candle} } } } }`,
      `{ assets(first: 1000) { nodes { symbol name latestTick { ${tick} } } } }`,
    ];
    const failures: unknown[] = [];
    for (const document of documents) {
      const answer = await q(document, {}, user.accessToken);
      if (answer.errors) failures.push([document.slice(0, 60), answer.errors.map((error) => error.message)]);
    }
    const admins = [`{ ingestionGaps(first: 1000) { edges { cursor node { time reason recordedAt } } pageInfo { hasNextPage endCursor } } }`, '{ logs(first: 100) { edges { cursor node { id time service level message requestId fields } } pageInfo { hasNextPage endCursor } } }', '{ accounts(first: 100) { edges { cursor node { id username email firstName lastName status createdAt roles lastLoginAt } } totalCount } }'];
    for (const document of admins) {
      const answer = await q(document, {}, admin.accessToken);
      if (answer.errors) failures.push([document.slice(0, 60), answer.errors.map((error) => error.message)]);
    }
    expect(failures).toEqual([]);
  });
});

describe('ids a client mistypes', () => {
  it('a malformed id is never an internal error', async () => {
    const ids = ['abc', '', '00000000-0000-0000-0000-00000000000g', '1', ' '.repeat(3), 'x'.repeat(500)];
    const asUser = [
      'query($id: ID!) { strategy(id: $id) { id } }', 'query($id: ID!) { portfolio(id: $id) { id } }', 'query($id: ID!) { order(id: $id) { id } }',
      'query($id: ID!) { account(id: $id) { id } }', 'query($id: ID!) { webhookDeliveries(strategyId: $id) { id } }', 'query($id: ID!) { transactions(portfolioId: $id) { nodes { id } } }',
      'query($id: ID!) { backtestStrategy(id: $id, from: "2026-12-01T00:00:00Z", to: "2026-12-02T00:00:00Z") { summary { count } } }',
      'mutation($id: ID!) { acknowledgeAlerts(ids: [$id]) }', 'mutation($id: ID!) { markNotificationsRead(ids: [$id]) }', 'mutation($id: ID!) { deleteStrategy(id: $id) }',
      'mutation($id: ID!) { updateStrategy(id: $id, input: { name: "x" }) { id } }', 'mutation($id: ID!) { setStrategyEnabled(id: $id, enabled: true) { id } }',
      'mutation($id: ID!) { renamePortfolio(id: $id, name: "x") { id } }', 'mutation($id: ID!) { deletePortfolio(id: $id) }', 'mutation($id: ID!) { deleteTransaction(id: $id) }',
      'mutation($id: ID!) { addTransaction(portfolioId: $id, input: { kind: DEPOSIT, quantity: "1" }) { id } }', 'mutation($id: ID) { updateAccount(id: $id, input: { firstName: "Ann" }) { id } }',
    ];
    const asAdmin = [
      'query($id: ID!) { account(id: $id) { id } }', 'mutation($id: ID!) { deactivateAccount(id: $id) { id } }', 'mutation($id: ID!) { reactivateAccount(id: $id) { id } }',
      'mutation($id: ID!) { deleteAccount(id: $id) }', 'mutation($id: ID!) { setRoles(accountId: $id, roles: [USER]) { id } }',
      'query($id: String!) { logs(filter: { requestId: $id }) { nodes { id } } }', 'query($id: String) { logs(after: $id) { nodes { id } } }',
    ];
    const odd: unknown[] = [];
    for (const [documents, token] of [[asUser, user.accessToken], [asAdmin, admin.accessToken]] as const) {
      for (const document of documents) {
        for (const id of ids) {
          const answer = await q(document, { id }, token);
          const found = codes(answer);
          if (found.some((code) => code === 'INTERNAL_SERVER_ERROR' || code === undefined) || answer.status >= 500) odd.push([document.slice(0, 50), id.slice(0, 20), answer.status, errs(answer)]);
        }
      }
    }
    expect(odd).toEqual([]);
  });
});

describe("issue 6: one round's figures", () => {
  it("a tick's global is its round's, a round's ticks are its own, candles span their interval, EUR rates include USD", async () => {
    const answer = await q('{ marketSnapshot { time ticks { time global { time } } global { time ticks { time } } } ticks(symbol: "BTC", first: 5) { nodes { time global { time ticks { time } } } } globalMetrics(first: 3) { nodes { time ticks { symbol time } } } candles(symbol: "BTC", interval: M5, first: 2) { nodes { interval openTime closeTime } } fxRates(base: "EUR") { base quote rate } }', {}, user.accessToken);
    expect(answer.errors).toBeUndefined();
    const data = answer.data!;
    for (const tick of data.marketSnapshot.ticks) expect(tick.global?.time ?? tick.time).toBe(tick.time);
    for (const tick of data.marketSnapshot.global.ticks) expect(tick.time).toBe(data.marketSnapshot.global.time);
    for (const tick of data.ticks.nodes) {
      expect(tick.global.time).toBe(tick.time);
      for (const sibling of tick.global.ticks) expect(sibling.time).toBe(tick.time);
    }
    for (const round of data.globalMetrics.nodes) {
      expect(round.ticks.length).toBeGreaterThan(0);
      for (const tick of round.ticks) expect(tick.time).toBe(round.time);
    }
    for (const candle of data.candles.nodes) {
      expect(candle.interval).toBe('M5');
      expect(Date.parse(candle.closeTime) - Date.parse(candle.openTime)).toBeGreaterThanOrEqual(299_000);
      expect(Date.parse(candle.closeTime) - Date.parse(candle.openTime)).toBeLessThanOrEqual(300_000);
    }
    expect(data.fxRates.map((rate: { quote: string }) => rate.quote)).toContain('USD');
    expect(data.fxRates.every((rate: { base: string }) => rate.base === 'EUR')).toBe(true);
  });
});

describe('cursors', () => {
  it('an empty after is the first page on every list', async () => {
    const user_ = ['{ ticks(symbol: "BTC", after: "") { nodes { time } } }', '{ candles(symbol: "BTC", interval: M1, after: "") { nodes { openTime } } }', '{ globalMetrics(after: "") { nodes { time } } }', '{ assets(after: "") { nodes { symbol } } }',
      '{ asset(symbol: "BTC") { candles(interval: M1, after: "") { nodes { openTime } } } }', '{ strategies(after: "") { nodes { id } } }', '{ alerts(after: "") { nodes { id } } }', '{ notifications(after: "") { nodes { id } } }', '{ orders(after: "") { totalCount } }', '{ me { orders(after: "") { totalCount } } }'];
    const admin_ = ['{ accounts(after: "") { totalCount } }', '{ allOrders(after: "") { totalCount } }', '{ logs(after: "") { nodes { id } } }', '{ ingestionGaps(after: "") { nodes { time } } }'];
    const failures: unknown[] = [];
    for (const [documents, token] of [[user_, user.accessToken], [admin_, admin.accessToken]] as const) {
      for (const document of documents) {
        const answer = await q(document, {}, token);
        if (answer.errors) failures.push([document, errs(answer)]);
      }
    }
    const portfolio = (await q('mutation { createPortfolio(name: "pages") { id } }', {}, user.accessToken)).data!.createPortfolio.id;
    const transactions = await q('query($p: ID!) { transactions(portfolioId: $p, after: "") { nodes { id } } }', { p: portfolio }, user.accessToken);
    if (transactions.errors) failures.push(['transactions', errs(transactions)]);
    expect(failures).toEqual([]);
  });
});

