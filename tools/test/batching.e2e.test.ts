import { Logger } from '@herck/common';
import { AddTransactionDocument, CreatePortfolioDocument } from './support/operations.generated';
import { codes, send, sendRaw } from './support/graphql-client';
import { startTestPlatform, TestPlatform } from './support/platform';
import { adminEnv, logIn, signUp } from './support/users';

const ADMIN = adminEnv('batch-admin@example.com');

/** Collects the SQL a subgraph runs (MikroORM logs each statement at debug level). */
function statementLog(service: string): { logger: Logger; statements: string[] } {
  const statements: string[] = [];
  const logger = new Logger(service, 'debug', {}, (line) => {
    const entry = JSON.parse(line) as { msg: string };
    if (entry.msg.startsWith('[query]')) statements.push(entry.msg);
  });
  return { logger, statements };
}
const { logger: authLogger, statements: authStatements } = statementLog('auth');
const { logger: ordersLogger, statements: ordersStatements } = statementLog('orders');
const { logger: marketLogger, statements: marketStatements } = statementLog('market');
const { logger: analysisLogger, statements: analysisStatements } = statementLog('analysis');

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform(ADMIN, { loggers: { auth: authLogger, orders: ordersLogger, market: marketLogger, analysis: analysisLogger }, orders: {}, market: {}, analysis: {} });
});
afterAll(() => platform?.stop());

describe('entity references', () => {
  it('load every account of a page in one query, not one per account', async () => {
    for (let i = 0; i < 5; i += 1) await signUp(platform, `batch${i}`);
    const admin = await logIn(platform, ADMIN.HERCK_ADMIN_EMAIL, ADMIN.HERCK_ADMIN_PASSWORD);
    authStatements.length = 0;
    const page = await sendRaw<{ accounts: { edges: { node: { roles: string[] } }[] } }>(
      platform.gatewayUrl,
      { query: '{ accounts(first: 50) { edges { node { username roles lastLoginAt } } } }' },
      admin.accessToken,
    );
    expect(codes(page)).toEqual([]);
    expect(page.data?.accounts.edges).toHaveLength(6);
    expect(page.data?.accounts.edges.every((edge) => edge.node.roles.includes('USER'))).toBe(true);
    const credentialReads = authStatements.filter((sql) => /from "credentials"/i.test(sql));
    expect(credentialReads).toHaveLength(1);
  });

  it("read every listed account's orders in one query, each account its own page", async () => {
    const admin = await logIn(platform, ADMIN.HERCK_ADMIN_EMAIL, ADMIN.HERCK_ADMIN_PASSWORD);
    const owners = await Promise.all([0, 1, 2].map((i) => signUp(platform, `buyer${i}`)));
    // Orders as the orders subgraph stores them: owner i has i + 1 of them.
    await platform.orders!.runtime.orm.em.fork().execute(
      `INSERT INTO orders (id, owner_id, idempotency_key, asset, currency, amount, price, fx_rate, quantity, status, priced_at, created_at)
       SELECT gen_random_uuid(), (?::uuid[])[o], 'k' || o || '-' || n, 'BTC', 'EUR', 10, 1, 1, 10, 'FILLED', now(), now() - n * interval '1 minute'
         FROM generate_series(1, 3) AS o, generate_series(1, 3) AS n WHERE n <= o`,
      [`{${owners.map((owner) => owner.accountId).join(',')}}`],
    );
    ordersStatements.length = 0;
    const page = await sendRaw<{ accounts: { nodes: { username: string; orders: { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean } } }[] } }>(
      platform.gatewayUrl,
      { query: '{ accounts(first: 50) { nodes { username orders(first: 2) { nodes { id } pageInfo { hasNextPage } } } } }' },
      admin.accessToken,
    );
    expect(codes(page)).toEqual([]);
    const byName = new Map(page.data!.accounts.nodes.map((node) => [node.username, node.orders]));
    expect([0, 1, 2].map((i) => byName.get(`buyer${i}`)!.nodes.length)).toEqual([1, 2, 2]);
    expect([0, 1, 2].map((i) => byName.get(`buyer${i}`)!.pageInfo.hasNextPage)).toEqual([false, false, true]);
    expect(byName.get('admin')!.nodes).toEqual([]);
    expect(ordersStatements.filter((sql) => /from orders|from "orders"/i.test(sql))).toHaveLength(1);
  });

  it("read every listed asset's candles in one query, each asset its own page", async () => {
    const user = await signUp(platform, 'chartist');
    // Daily candles of 2020, long before any the simulated rounds make: BTC has three, ETH two, SOL one.
    await platform.market!.runtime.orm.em.fork().execute(
      `INSERT INTO candles (symbol, interval, open_time, open, high, low, close, volume, tick_count, closed)
       SELECT s.symbol, 'D1', timestamptz '2020-01-01Z' + (d - 1) * interval '1 day', 10, 12, 9, 11, 100, 0, true
         FROM (VALUES ('BTC', 3), ('ETH', 2), ('SOL', 1)) AS s(symbol, days), generate_series(1, 3) AS d WHERE d <= s.days`,
    );
    marketStatements.length = 0;
    const page = await sendRaw<{ assets: { nodes: { symbol: string; candles: { nodes: { openTime: string }[]; pageInfo: { hasNextPage: boolean } } }[] } }>(
      platform.gatewayUrl,
      { query: '{ assets(first: 100) { nodes { symbol candles(interval: D1, to: "2020-12-31T00:00:00Z", first: 2) { nodes { openTime } pageInfo { hasNextPage } } } } }' },
      user.accessToken,
    );
    expect(codes(page)).toEqual([]);
    const bySymbol = new Map(page.data!.assets.nodes.map((node) => [node.symbol, node.candles]));
    expect(bySymbol.size).toBeGreaterThan(3);
    expect(bySymbol.get('BTC')!.nodes.map((candle) => candle.openTime)).toEqual(['2020-01-03T00:00:00.000Z', '2020-01-02T00:00:00.000Z']);
    expect(['BTC', 'ETH', 'SOL'].map((symbol) => [bySymbol.get(symbol)!.nodes.length, bySymbol.get(symbol)!.pageInfo.hasNextPage])).toEqual([
      [2, true],
      [2, false],
      [1, false],
    ]);
    expect(bySymbol.get('ADA')!.nodes).toEqual([]);
    expect(marketStatements.filter((sql) => /from candles/i.test(sql))).toHaveLength(1);
  });

  it("value every listed portfolio from one read of their ledgers and one of their prices", async () => {
    const investor = await signUp(platform, 'investor');
    // Daily closes of 7 January 2025 in analysis's own store: ETH 1210, BTC 60000 USD.
    await platform.analysis!.runtime.orm.em.fork().execute(
      `INSERT INTO candles (symbol, interval, open_time, open, high, low, close, volume)
       VALUES ('ETH', 'D1', '2025-01-07Z', 1100, 1220, 1090, 1210, 5), ('BTC', 'D1', '2025-01-07Z', 59000, 61000, 58000, 60000, 5)`,
    );
    const holdingsOf: Record<string, { symbol: string; quantity: string; price: string }[]> = {
      'Ether': [{ symbol: 'ETH', quantity: '2', price: '1000' }],
      'Bitcoin': [{ symbol: 'BTC', quantity: '0.5', price: '50000' }],
      'Both': [
        { symbol: 'ETH', quantity: '1', price: '1000' },
        { symbol: 'BTC', quantity: '0.1', price: '50000' },
      ],
    };
    for (const [name, buys] of Object.entries(holdingsOf)) {
      const created = await send(platform.gatewayUrl, CreatePortfolioDocument, { name }, investor.accessToken);
      for (const buy of buys) {
        const added = await send(platform.gatewayUrl, AddTransactionDocument, { portfolioId: created.data!.createPortfolio.id, input: { kind: 'BUY', ...buy, time: '2025-01-06T12:00:00Z' } as never }, investor.accessToken);
        expect(added.errors).toBeUndefined();
      }
    }
    analysisStatements.length = 0;
    const page = await sendRaw<{ portfolios: { name: string; balance: { value: string; complete: boolean }; holdings: { symbol: string; marketValue: string }[] }[] }>(
      platform.gatewayUrl,
      { query: '{ portfolios { name balance(at: "2025-01-07T12:00:00Z") { value complete } holdings(at: "2025-01-07T12:00:00Z") { symbol marketValue } } }' },
      investor.accessToken,
    );
    expect(codes(page)).toEqual([]);
    // Each valued at its own holdings' prices (no cash: the buys were paid from outside): 2 × 1210; 0.5 × 60000; 1210 + 6000.
    expect(page.data!.portfolios.map(({ name, balance }) => [name, balance.value, balance.complete])).toEqual([
      ['Ether', '2420', true],
      ['Bitcoin', '30000', true],
      ['Both', '7210', true],
    ]);
    expect(page.data!.portfolios.find(({ name }) => name === 'Both')!.holdings).toEqual([
      { symbol: 'BTC', marketValue: '6000' },
      { symbol: 'ETH', marketValue: '1210' },
    ]);
    expect(analysisStatements.filter((sql) => /from portfolio_transactions/i.test(sql))).toHaveLength(1);
    expect(analysisStatements.filter((sql) => /from candles/i.test(sql))).toHaveLength(1);

    // Valued now (each resolver's own moment, milliseconds apart): still one read of prices.
    analysisStatements.length = 0;
    const now = await sendRaw(platform.gatewayUrl, { query: '{ portfolios { balance { complete } holdings { symbol } } }' }, investor.accessToken);
    expect(codes(now)).toEqual([]);
    expect(analysisStatements.filter((sql) => /from candles/i.test(sql))).toHaveLength(1);
  });
});
