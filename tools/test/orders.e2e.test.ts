import { randomUUID } from 'node:crypto';
import Decimal from 'decimal.js';
import pg from 'pg';
import { Logger } from '@herck/common';
import { readOrdersConfig, startOrdersService } from '@herck/orders';
import { ReplayServer } from '../../subgraphs/market/test/providers/replay-server';
import { PriceCache } from '../../subgraphs/orders/src/modules/price/price-cache';
import { codes, send, sendRaw } from './support/graphql-client';
import { AllOrdersDocument, DeleteAccountDocument, MyRecentOrdersDocument, OrderDocument, OrdersDocument, OrderStatisticsDocument, PlaceBuyOrderDocument } from './support/operations.generated';
import { TestPlatform, startTestPlatform } from './support/platform';
import { BuyOrderInput, orderPricesReady, placeBuyOrder } from './support/orders';
import { startRecordedProviders } from './support/recorded-providers';
import { adminEnv, eventually, logInAdmin, signUp, SignedUpUser } from './support/users';


let providers: ReplayServer;
let platform: TestPlatform;
let buyer: SignedUpUser;
let other: SignedUpUser;
let admin: { accessToken: string };
/** The orders subgraph's clock: real time, moved forward to make the cached price stale. */
let clockShiftMs = 0;

beforeAll(async () => {
  // Recorded answers: CoinGecko's prices (BTC at 104612 USD) and the ECB's rates (EUR 0.88051 per USD).
  const recorded = await startRecordedProviders();
  providers = recorded.server;
  platform = await startTestPlatform(
    { ...adminEnv('orders-admin@example.com'), ...recorded.env, ORDER_MAX_AMOUNT: '50000' },
    { market: {}, orders: { now: () => new Date(Date.now() + clockShiftMs) } },
  );
  [buyer, other] = await Promise.all([signUp(platform), signUp(platform)]);
  admin = await logInAdmin(platform);
  await orderPricesReady(platform);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await providers?.stop();
}, 60_000);

const place = (user: { accessToken: string }, input: BuyOrderInput) => placeBuyOrder(platform, user.accessToken, input);

/** Runs `work` on a connection of its own to the platform's event bus. */
async function withBus<T>(work: (bus: pg.Client) => Promise<T>): Promise<T> {
  const bus = new pg.Client({ connectionString: platform.orders!.runtime.config.busUrl });
  await bus.connect();
  try {
    return await work(bus);
  } finally {
    await bus.end();
  }
}

describe('buy orders', () => {
  it('price an amount of fiat from the cached price and rate, rounding the quantity down', async () => {
    const placed = await place(buyer, { asset: 'btc', currency: 'eur', amount: '1000.00' });
    const order = placed.data!.placeBuyOrder;
    // 104612 USD × 0.88051 EUR/USD = 92111.91212 EUR; 1000 / 92111.91212 = 0.010856358… → 0.01085635.
    expect(order).toMatchObject({ asset: { symbol: 'BTC' }, currency: 'EUR', amount: '1000', fxRate: '0.88051', price: '92111.91212', quantity: '0.01085635', status: 'FILLED', owner: { id: buyer.accountId } });
    expect(new Decimal(order.quantity).times(order.price).lte(1000)).toBe(true);
    const usd = (await place(buyer, { asset: 'BTC', currency: 'USD', amount: '104.61' })).data!.placeBuyOrder;
    expect(usd).toMatchObject({ fxRate: '1', price: '104612', quantity: '0.00099998' });
    // The cache is in orders' own store too: a restarted service starts from it.
    const reloaded = new PriceCache();
    await reloaded.load(platform.orders!.runtime.orm.em.fork(), new Date());
    expect(reloaded.price('BTC')?.value.toFixed()).toBe('104612');
    expect(reloaded.rate('EUR', new Date())?.value.toFixed()).toBe('0.88051');
  });

  it('return the same order for the same key, also under concurrent retries', async () => {
    const idempotencyKey = randomUUID();
    const answers = await Promise.all(Array.from({ length: 12 }, () => place(other, { asset: 'ETH', currency: 'USD', amount: '250.00', idempotencyKey })));
    const ids = new Set(answers.map((answer) => answer.data?.placeBuyOrder.id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toEqual(expect.any(String));
    const stored = await platform.orders!.runtime.orm.em.fork().execute('SELECT count(*) FROM orders WHERE idempotency_key = ?', [idempotencyKey]);
    expect(Number(stored[0].count)).toBe(1);
    // One `orders.filled` event for the one order, relayed to the bus.
    await withBus(async (bus) => {
      await eventually(async () => (await bus.query("SELECT 1 FROM bus_events WHERE type = 'orders.filled' AND payload->>'orderId' = $1", [[...ids][0]])).rowCount === 1, 10_000);
      const { rows } = await bus.query("SELECT count(*)::int AS n FROM bus_events WHERE type = 'orders.filled' AND payload->>'orderId' = $1", [[...ids][0]]);
      expect(rows[0].n).toBe(1);
    });
    expect(codes(await place(other, { asset: 'ETH', currency: 'USD', amount: '300.00', idempotencyKey }))).toEqual(['CONFLICT']);
  });

  it('answer a retry that lost to the same key with its order, also when the owner is deleted right after (never an internal error)', async () => {
    // The interleaving is forced with locks held from the test: a request with the key commits first (T1,
    // standing in for the concurrent request that wins), the retry finds its order under the key, and the
    // owner's deletion (T2, doing what orders does on `account.deleted`) commits before the retry reads it.
    const owner = await signUp(platform);
    const [idempotencyKey, winnerId] = [randomUUID(), randomUUID()];
    const connect = async () => {
      const client = new pg.Client({ connectionString: platform.orders!.runtime.config.databaseUrl });
      await client.connect();
      return client;
    };
    const [winner, deletion, watcher] = [await connect(), await connect(), await connect()];
    const waitingOn = (statement: string) =>
      eventually(async () => (await watcher.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1", [`%${statement}%`])).rowCount! > 0, 30_000);
    try {
      await winner.query('BEGIN');
      await winner.query(
        `INSERT INTO orders (id, owner_id, idempotency_key, asset, currency, amount, price, fx_rate, quantity, status, priced_at, created_at)
         VALUES ($1, $2, $3, 'BTC', 'USD', 100, 104612, 1, 0.00095591, 'FILLED', now(), now())`,
        [winnerId, owner.accountId, idempotencyKey],
      );
      const retry = place(owner, { asset: 'BTC', currency: 'USD', amount: '100.00', idempotencyKey });
      // The retry's insert waits for the winner's; the deletion queues for the whole table behind both.
      await waitingOn('INSERT INTO orders');
      await deletion.query('BEGIN');
      const deletionLocked = deletion.query('LOCK TABLE orders IN ACCESS EXCLUSIVE MODE');
      await waitingOn('LOCK TABLE orders');
      await winner.query('COMMIT');
      await deletionLocked;
      await deletion.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`owner:${owner.accountId}`]);
      await deletion.query('INSERT INTO deleted_owners (id) VALUES ($1) ON CONFLICT DO NOTHING', [owner.accountId]);
      await deletion.query('DELETE FROM orders WHERE owner_id = $1', [owner.accountId]);
      await deletion.query('COMMIT');
      const answer = await retry;
      // As in a series where the retry comes just before the deletion: the order it retried.
      expect(codes(answer)).toEqual([]);
      expect(answer.data?.placeBuyOrder.id).toBe(winnerId);
      expect(codes(await place(owner, { asset: 'BTC', currency: 'USD', amount: '100.00', idempotencyKey }))).toEqual(['UNAUTHENTICATED']);
    } finally {
      await Promise.all([winner, deletion, watcher].map((client) => client.end()));
    }
  });

  it("name an order's asset market does not know NOT_FOUND at its path (not data: null without an error)", async () => {
    const holder = await signUp(platform);
    const id = randomUUID();
    // Stores that disagree: a row whose symbol market has never had (restored from another backup, say).
    await platform.orders!.runtime.orm.em.fork().execute(
      `INSERT INTO orders (id, owner_id, idempotency_key, asset, currency, amount, price, fx_rate, quantity, status, priced_at, created_at)
       VALUES (?, ?, ?, 'NOSUCHCOIN', 'USD', 10, 1, 1, 10, 'FILLED', now(), now())`,
      [id, holder.accountId, randomUUID()],
    );
    try {
      // Only the key (`asset { symbol }`) would be answered by orders alone: `name` asks market.
      const answer = await sendRaw<{ order: unknown }>(platform.gatewayUrl, { query: 'query ($id: ID!) { order(id: $id) { id asset { name } } }', variables: { id } }, holder.accessToken);
      expect(answer.errors?.map((error) => [error.extensions?.code, error.path])).toEqual([['NOT_FOUND', ['order', 'asset']]]);
      expect(answer.data?.order ?? null).toBeNull();
    } finally {
      // The other tests list every order: this one goes again.
      await platform.orders!.runtime.orm.em.fork().execute('DELETE FROM orders WHERE id = ?', [id]);
    }
  });

  it('name an owner deleted a moment ago NOT_FOUND while orders has yet to apply the deletion (not data: null without an error)', async () => {
    const doomed = await signUp(platform);
    const since = new Date().toISOString();
    expect(codes(await place(doomed, { asset: 'BTC', currency: 'USD', amount: '10.00' }))).toEqual([]);
    // Orders applies `account.deleted` under the owner's lock: held here, the deletion stays on its way.
    const ordersDb = new pg.Client({ connectionString: platform.orders!.runtime.config.databaseUrl });
    await ordersDb.connect();
    try {
      await ordersDb.query('BEGIN');
      await ordersDb.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`owner:${doomed.accountId}`]);
      expect((await send(platform.gatewayUrl, DeleteAccountDocument, { id: doomed.accountId }, admin.accessToken)).data?.deleteAccount).toBe(true);
      const listed = await sendRaw<{ allOrders: { nodes: unknown[] } }>(
        platform.gatewayUrl,
        { query: 'query ($since: DateTime) { allOrders(filter: { from: $since }) { nodes { id owner { id username } } } }', variables: { since } },
        admin.accessToken,
      );
      expect(listed.errors?.map((error) => [error.extensions?.code, error.path])).toEqual([['NOT_FOUND', ['allOrders', 'nodes', 0, 'owner']]]);
    } finally {
      await ordersDb.query('ROLLBACK');
      await ordersDb.end();
    }
    await eventually(async () => (await platform.orders!.runtime.orm.em.fork().execute('SELECT 1 FROM orders WHERE owner_id = ?', [doomed.accountId])).length === 0);
  });

  it('refuse bad input and stale or missing prices, writing nothing', async () => {
    const count = async () => Number((await platform.orders!.runtime.orm.em.fork().execute('SELECT count(*) FROM orders'))[0].count);
    const before = await count();
    expect(codes(await place(buyer, { asset: 'BTC', currency: 'EUR', amount: '0' }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await place(buyer, { asset: 'BTC', currency: 'EUR', amount: '10.001' }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await place(buyer, { asset: 'BTC', currency: 'EUR', amount: '50000.01' }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await place(buyer, { asset: 'BTC', currency: 'XYZ', amount: '10' }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await place(buyer, { asset: 'NOPE', currency: 'EUR', amount: '10' }))).toEqual(['PRICE_UNAVAILABLE']);
    // A currency no rate names is the client's mistake, also where the asset has no price.
    expect(codes(await place(buyer, { asset: 'NOPE', currency: 'XYZ', amount: '10' }))).toEqual(['BAD_USER_INPUT']);
    clockShiftMs = 200_000;
    try {
      expect(codes(await place(buyer, { asset: 'BTC', currency: 'EUR', amount: '10' }))).toEqual(['PRICE_UNAVAILABLE']);
      expect(codes(await place(buyer, { asset: 'BTC', currency: 'XYZ', amount: '10' }))).toEqual(['BAD_USER_INPUT']);
    } finally {
      clockShiftMs = 0;
    }
    expect(codes(await send(platform.gatewayUrl, PlaceBuyOrderDocument, { input: { asset: 'BTC', currency: 'EUR', amount: '10', idempotencyKey: 'x' } }))).toEqual(['UNAUTHENTICATED']);
    expect(await count()).toBe(before);
  });

  it('refuse values of the wrong type (text that is no decimal or time, a JSON number) with BAD_USER_INPUT naming the field, not an internal error', async () => {
    const problem = (response: { status?: number; errors?: readonly { extensions?: Record<string, unknown> }[] }) => ({
      status: response.status,
      errors: response.errors?.map((error) => [error.extensions?.code, error.extensions?.field]),
    });
    for (const amount of ['abc', '1e3', 10]) {
      const input = { asset: 'BTC', currency: 'EUR', amount: amount as string, idempotencyKey: randomUUID() };
      expect(problem(await send(platform.gatewayUrl, PlaceBuyOrderDocument, { input }, buyer.accessToken))).toEqual({ status: 200, errors: [['BAD_USER_INPUT', 'amount']] });
    }
    const statistics = await send(platform.gatewayUrl, OrderStatisticsDocument, { period: 'DAY', from: 'garbage', to: new Date().toISOString() }, buyer.accessToken);
    expect(problem(statistics)).toEqual({ status: 200, errors: [['BAD_USER_INPUT', 'from']] });
    // `first: Int = 20`, as the issue writes it: null means the default page.
    const nullPage = await send(platform.gatewayUrl, OrdersDocument, { first: null }, buyer.accessToken);
    expect(problem(nullPage)).toEqual({ status: 200, errors: undefined });
    expect(nullPage.data!.orders.nodes.length).toBeGreaterThan(0);
    // A bad filter time, deep in an input object.
    const badFilter = await send(platform.gatewayUrl, OrdersDocument, { filter: { from: 'yesterday' } }, buyer.accessToken);
    expect(problem(badFilter)).toEqual({ status: 200, errors: [['BAD_USER_INPUT', 'from']] });
    // A request error: 200 with errors and no data in application/json (above), 400 in graphql-response+json.
    const strict = await send(platform.gatewayUrl, OrdersDocument, { filter: { from: 'yesterday' } }, buyer.accessToken, { accept: 'application/graphql-response+json' });
    expect(problem(strict)).toEqual({ status: 400, errors: [['BAD_USER_INPUT', 'from']] });
    expect(strict).not.toHaveProperty('data');
    // A period that ends before it starts.
    // An empty asset or currency is malformed, as a blank one is: not "no filter".
    for (const filter of [{ asset: '' }, { currency: '' }]) expect(codes(await send(platform.gatewayUrl, OrdersDocument, { filter }, buyer.accessToken))).toEqual(['BAD_USER_INPUT']);
    const backwards = await send(platform.gatewayUrl, OrdersDocument, { filter: { from: '2030-01-01T00:00:00Z', to: '2020-01-01T00:00:00Z' } }, buyer.accessToken);
    expect(problem(backwards)).toEqual({ status: 200, errors: [['BAD_USER_INPUT', 'from']] });
  });

  it('are listed to their owner with filters, cursors and offsets; others get NOT_FOUND', async () => {
    const mine = await send(platform.gatewayUrl, OrdersDocument, { first: 1 }, buyer.accessToken);
    expect(mine.errors).toBeUndefined();
    expect(mine.data!.orders.nodes).toHaveLength(1);
    expect(mine.data!.orders.pageInfo.hasNextPage).toBe(true);
    const next = await send(platform.gatewayUrl, OrdersDocument, { first: 1, after: mine.data!.orders.pageInfo.endCursor }, buyer.accessToken);
    const byOffset = await send(platform.gatewayUrl, OrdersDocument, { first: 1, offset: 1 }, buyer.accessToken);
    expect(next.data!.orders.nodes[0]!.id).toBe(byOffset.data!.orders.nodes[0]!.id);
    expect(next.data!.orders.nodes[0]!.id).not.toBe(mine.data!.orders.nodes[0]!.id);
    const eur = await send(platform.gatewayUrl, OrdersDocument, { filter: { currency: 'EUR' } }, buyer.accessToken);
    expect(eur.data!.orders.nodes.map((order) => order.currency)).toEqual(['EUR']);
    const id = eur.data!.orders.nodes[0]!.id;
    expect((await send(platform.gatewayUrl, OrderDocument, { id }, buyer.accessToken)).data!.order.id).toBe(id);
    expect(codes(await send(platform.gatewayUrl, OrderDocument, { id }, other.accessToken))).toEqual(['NOT_FOUND']);
    expect(codes(await send(platform.gatewayUrl, AllOrdersDocument, {}, buyer.accessToken))).toEqual(['FORBIDDEN']);
    const all = await send(platform.gatewayUrl, AllOrdersDocument, { first: 100 }, admin.accessToken);
    expect(new Set(all.data!.allOrders.nodes.map((order) => order.owner.id))).toEqual(new Set([buyer.accountId, other.accountId]));
  });

  it('span three subgraphs in one query: the account, its orders and their assets’ live prices', async () => {
    const me = (await send(platform.gatewayUrl, MyRecentOrdersDocument, {}, buyer.accessToken)).data!.me!;
    expect(me.username).toBe(buyer.username);
    expect(me.orders.nodes).toHaveLength(2);
    for (const order of me.orders.nodes) expect(order.asset).toMatchObject({ symbol: 'BTC', latestTick: { price: '104612' } });
  });
});

describe('order statistics', () => {
  it('give count, total, min, max, median and average per period and currency', async () => {
    // A fixture in 2025, far from the orders above: worked out by hand below.
    const rows: [string, string, string][] = [
      ['2025-01-01T09:00:00Z', 'EUR', '10.00'],
      ['2025-01-01T10:00:00Z', 'EUR', '20.00'],
      ['2025-01-01T11:00:00Z', 'EUR', '40.00'],
      ['2025-01-01T23:59:59Z', 'EUR', '100.00'],
      ['2025-01-02T00:00:00Z', 'EUR', '5.55'],
      ['2025-01-02T08:00:00Z', 'USD', '1.01'],
      ['2025-01-06T08:00:00Z', 'USD', '1.02'],
    ];
    const em = platform.orders!.runtime.orm.em.fork();
    for (const [time, currency, amount] of rows) {
      await em.execute(
        `INSERT INTO orders (id, owner_id, idempotency_key, asset, currency, amount, price, fx_rate, quantity, status, priced_at, created_at)
         VALUES (?, ?, ?, 'BTC', ?, ?, 1, 1, ?, 'FILLED', ?, ?)`,
        [randomUUID(), other.accountId, randomUUID(), currency, amount, amount, time, time],
      );
    }
    const days = await send(platform.gatewayUrl, OrderStatisticsDocument, { period: 'DAY', from: '2025-01-01T00:00:00Z', to: '2025-01-07T00:00:00Z' }, admin.accessToken);
    expect(days.data!.orderStatistics).toEqual([
      // 10 + 20 + 40 + 100 = 170; median of 10, 20, 40, 100 = (20 + 40) / 2 = 30; mean 42.5.
      { periodStart: '2025-01-01T00:00:00.000Z', currency: 'EUR', count: 4, totalAmount: '170', min: '10', max: '100', median: '30', average: '42.5' },
      { periodStart: '2025-01-02T00:00:00.000Z', currency: 'EUR', count: 1, totalAmount: '5.55', min: '5.55', max: '5.55', median: '5.55', average: '5.55' },
      { periodStart: '2025-01-02T00:00:00.000Z', currency: 'USD', count: 1, totalAmount: '1.01', min: '1.01', max: '1.01', median: '1.01', average: '1.01' },
      { periodStart: '2025-01-06T00:00:00.000Z', currency: 'USD', count: 1, totalAmount: '1.02', min: '1.02', max: '1.02', median: '1.02', average: '1.02' },
    ]);
    // Weeks start on Monday: 2024-12-30 holds 1–2 January, 2025-01-06 the last order. USD: median (1.01 + 1.02) / 2 = 1.015.
    const weeks = await send(platform.gatewayUrl, OrderStatisticsDocument, { period: 'WEEK', from: '2025-01-01T00:00:00Z', to: '2025-01-07T00:00:00Z', currency: 'usd' }, admin.accessToken);
    expect(weeks.data!.orderStatistics).toEqual([
      { periodStart: '2024-12-30T00:00:00.000Z', currency: 'USD', count: 1, totalAmount: '1.01', min: '1.01', max: '1.01', median: '1.01', average: '1.01' },
      { periodStart: '2025-01-06T00:00:00.000Z', currency: 'USD', count: 1, totalAmount: '1.02', min: '1.02', max: '1.02', median: '1.02', average: '1.02' },
    ]);
    const month = await send(platform.gatewayUrl, OrderStatisticsDocument, { period: 'MONTH', from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z', currency: 'USD' }, admin.accessToken);
    expect(month.data!.orderStatistics).toEqual([{ periodStart: '2025-01-01T00:00:00.000Z', currency: 'USD', count: 2, totalAmount: '2.03', min: '1.01', max: '1.02', median: '1.015', average: '1.015' }]);
    expect(codes(await send(platform.gatewayUrl, OrderStatisticsDocument, { period: 'DAY', from: '2025-01-01T00:00:00Z', to: '2025-01-07T00:00:00Z' }, buyer.accessToken))).toEqual(['FORBIDDEN']);
  });
});

describe('a second orders replica', () => {
  it('prices from the news the other replica applied: replicas share the bus consumer, each applying only some batches', async () => {
    const second = await startOrdersService(readOrdersConfig(platform.env), new Logger('orders', 'error'));
    try {
      // News only the first replica applies, as when it wins a batch of market's events.
      const time = new Date();
      await platform.orders!.runtime.orm.em.fork().transactional((tx) => platform.orders!.prices.savePrices(tx, time, [{ symbol: 'REPLICA', price: '123.45' }]));
      expect(platform.orders!.prices.price('REPLICA')?.value.toString()).toBe('123.45');
      await eventually(async () => second.prices.price('REPLICA')?.time.getTime() === time.getTime(), 10_000);
      expect(second.prices.price('REPLICA')!.value.toString()).toBe('123.45');
    } finally {
      await second.stop();
    }
  });
});

describe("orders' events on the bus", () => {
  it('go past ORDERS_EVENT_RETENTION_DAYS once every consumer that handles them has applied them', async () => {
    await withBus(async (bus) => {
      // Consumers say on the bus how far they have read (orders reads market's news and account's changes).
      await eventually(async () => (await bus.query("SELECT 1 FROM bus_consumers WHERE consumer = 'orders' AND 'market.tick' = ANY(types) AND position > 0")).rowCount === 1);
      const fill = (daysAgo: number) => `(gen_random_uuid(), 'orders.filled', 'orders', '{}', now() - interval '${daysAgo} days')`;
      const { rows } = await bus.query<{ id: string; position: string }>(
        `INSERT INTO bus_events (id, type, source, payload, created_at) VALUES ${[fill(31), fill(31), fill(29)].join(', ')} RETURNING id, position::text`,
      );
      // A consumer of fills that has applied the first, not yet the second (stopped, say).
      await bus.query("INSERT INTO bus_consumers (consumer, types, position) VALUES ('lagging-analysis', ARRAY['orders.filled'], $1)", [rows[0]!.position]);
      const left = async () => (await bus.query<{ id: string }>('SELECT id FROM bus_events WHERE id = ANY($1::uuid[]) ORDER BY position', [rows.map((row) => row.id)])).rows.map((row) => row.id);

      await platform.orders!.housekeeping();
      expect(await left()).toEqual([rows[1]!.id, rows[2]!.id]);
      // It catches up: the older one goes too; the one inside the window stays.
      await bus.query("UPDATE bus_consumers SET position = $1 WHERE consumer = 'lagging-analysis'", [rows[2]!.position]);
      await platform.orders!.housekeeping();
      expect(await left()).toEqual([rows[2]!.id]);
      await bus.query("DELETE FROM bus_consumers WHERE consumer = 'lagging-analysis'");
    });
  });
});

describe('an FX rate', () => {
  it('may be up to ORDER_FX_MAX_AGE_SECONDS old (three days), however fresher the price is, and not older', async () => {
    await withBus(async (bus) => {
      // Rates of two currencies no provider quotes, as market announces them: one ten minutes old, one four days old.
      const announce = (agoMs: number, rates: Record<string, string>) =>
        bus.query("INSERT INTO bus_events (id, type, source, payload) VALUES (gen_random_uuid(), 'market.fx', 'market', $1)", [JSON.stringify({ time: new Date(Date.now() - agoMs).toISOString(), base: 'USD', rates })]);
      await announce(10 * 60_000, { AAA: '2' });
      await announce(4 * 86_400_000, { BBB: '3' });
      await platform.orders!.runtime.catchUpEvents();
    });
    // Ten minutes: far older than a price may be (120 s), well within a rate's three days.
    expect((await place(buyer, { asset: 'BTC', currency: 'AAA', amount: '10' })).data?.placeBuyOrder).toMatchObject({ currency: 'AAA', fxRate: '2', price: '209224' });
    expect(codes(await place(buyer, { asset: 'BTC', currency: 'BBB', amount: '10' }))).toEqual(['PRICE_UNAVAILABLE']);
  });
});
