import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { INTERNAL_TOKEN_HEADER } from '@herck/common';
import { PriceCache } from '../../subgraphs/orders/src/modules/price/price-cache';
import { ReplayServer } from '../../subgraphs/market/test/providers/replay-server';
import { codes, send, sendRaw } from './support/graphql-client';
import { AllOrdersDocument, OrdersDocument, OrdersQuery, OrderStatisticsDocument, SetRolesDocument } from './support/operations.generated';
import { TestPlatform, startTestPlatform } from './support/platform';
import { BuyOrderInput, orderPricesReady, placeBuyOrder } from './support/orders';
import { startRecordedProviders } from './support/recorded-providers';
import { adminEnv, logIn, logInAdmin, signUp, SignedUpUser } from './support/users';

/**
 * Issue 9's orders contract at its edges, through the gateway as a client sees it
 * (orders.e2e.test.ts has the worked examples).
 */

let providers: ReplayServer;
let platform: TestPlatform;
let buyer: SignedUpUser;
let admin: { accessToken: string };
let analyst: { accessToken: string };
/** The orders subgraph's clock: real time, moved forward to make the cached price stale. */
let clockShiftMs = 0;

beforeAll(async () => {
  // Recorded answers: BTC at 104612 USD, EUR 0.88051 per USD.
  const recorded = await startRecordedProviders();
  providers = recorded.server;
  platform = await startTestPlatform(
    { ...adminEnv('orders-contract-admin@example.com'), ...recorded.env },
    { market: {}, orders: { now: () => new Date(Date.now() + clockShiftMs) } },
  );
  let analystUser: SignedUpUser;
  [buyer, analystUser] = await Promise.all([signUp(platform), signUp(platform)]);
  admin = await logInAdmin(platform);
  const granted = await send(platform.gatewayUrl, SetRolesDocument, { accountId: analystUser.accountId, roles: ['USER', 'ANALYST'] }, admin.accessToken);
  expect(granted.errors).toBeUndefined();
  analyst = await logIn(platform, analystUser.username, analystUser.password);
  await orderPricesReady(platform);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await providers?.stop();
}, 60_000);

const place = (input: BuyOrderInput) => placeBuyOrder(platform, buyer.accessToken, input);
const storedOrders = async () => Number((await platform.orders!.runtime.orm.em.fork().execute('SELECT count(*) FROM orders'))[0].count);

describe('an amount written in the document', () => {
  it('that is no decimal is bad input naming the field, as in a variable, and nothing is written', async () => {
    const before = await storedOrders();
    for (const amount of ['"abc"', '5', `"${'9'.repeat(80)}"`]) {
      const answer = await sendRaw(platform.gatewayUrl, { query: `mutation { placeBuyOrder(input: { asset: "BTC", currency: "USD", amount: ${amount}, idempotencyKey: "literal-${amount.length}" }) { id } }` }, buyer.accessToken);
      expect({ amount, errors: answer.errors?.map((error) => [error.extensions?.code, error.extensions?.field]) }).toEqual({ amount, errors: [['BAD_USER_INPUT', 'amount']] });
    }
    expect(await storedOrders()).toBe(before);
  });
});

describe('the idempotency key', () => {
  it('is text of 1 to 100 characters: two ill-formed keys never name the same order', async () => {
    const before = await storedOrders();
    // JSON carries lone surrogates (\ud800, \udc00); PostgreSQL stored both as U+FFFD, so the
    // second key answered with the first key's order. They are not text: BAD_USER_INPUT, nothing written.
    for (const idempotencyKey of ['a\ud800', 'a\udc00']) {
      const answer = await sendRaw(platform.gatewayUrl, { query: 'mutation($input: PlaceBuyOrderInput!) { placeBuyOrder(input: $input) { id } }', variables: { input: { asset: 'BTC', currency: 'USD', amount: '10', idempotencyKey } } }, buyer.accessToken);
      expect(answer.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'idempotencyKey']]);
    }
    expect(await storedOrders()).toBe(before);
    // Characters, not UTF-16 units: 100 emoji are 100 characters, 101 are too many.
    expect((await place({ asset: 'BTC', currency: 'USD', amount: '10', idempotencyKey: '😀'.repeat(100) })).data?.placeBuyOrder.status).toBe('FILLED');
    expect(codes(await place({ asset: 'BTC', currency: 'USD', amount: '10', idempotencyKey: '😀'.repeat(101) }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await place({ asset: 'BTC', currency: 'USD', amount: '10', idempotencyKey: '' }))).toEqual(['BAD_USER_INPUT']);
  });

  it('answers a retry with its order even once the price has gone stale, and concurrent different orders under one key with one order and CONFLICT', async () => {
    const idempotencyKey = randomUUID();
    const placed = (await place({ asset: 'BTC', currency: 'EUR', amount: '250.00', idempotencyKey })).data!.placeBuyOrder;
    clockShiftMs = 200_000;
    try {
      expect((await place({ asset: 'btc', currency: 'eur', amount: '250', idempotencyKey })).data!.placeBuyOrder).toEqual(placed);
      // Letters that upper-case into others (ß into SS, ı into I) name no asset or currency: refused, not taken for another.
      expect((await place({ asset: 'ßtc', currency: 'EUR', amount: '250' })).errors?.map((error) => error.extensions?.field)).toEqual(['asset']);
      expect((await place({ asset: 'BTC', currency: 'uſd', amount: '250' })).errors?.map((error) => error.extensions?.field)).toEqual(['currency']);
      expect(codes(await place({ asset: 'BTC', currency: 'EUR', amount: '250' }))).toEqual(['PRICE_UNAVAILABLE']);
    } finally {
      clockShiftMs = 0;
    }
    const before = await storedOrders();
    const racing = randomUUID();
    const answers = await Promise.all(['10', '20', '10', '20', '10', '20'].map((amount) => place({ asset: 'BTC', currency: 'USD', amount, idempotencyKey: racing })));
    const orders = answers.flatMap((answer) => (answer.data?.placeBuyOrder ? [answer.data.placeBuyOrder] : []));
    expect(new Set(orders.map((order) => order.id)).size).toBe(1);
    expect(orders).toHaveLength(3);
    expect(answers.filter((answer) => answer.errors).map(codes)).toEqual([['CONFLICT'], ['CONFLICT'], ['CONFLICT']]);
    expect(await storedOrders()).toBe(before + 1);
  });
});

describe('order lists and statistics', () => {
  it('page the same orders by cursor as by offset, newest first', async () => {
    // Seven or more: pages of three end on a full page or a partial one, whichever the count makes.
    for (const amount of ['1.01', '2.02', '3.03', '4.04', '5.05', '6.06', '7.07']) expect((await place({ asset: 'ETH', currency: 'USD', amount })).errors).toBeUndefined();
    const all = (await send(platform.gatewayUrl, OrdersDocument, { first: 100 }, buyer.accessToken)).data!.orders;
    expect(all.nodes.length).toBeGreaterThanOrEqual(7);
    const times = all.nodes.map((order) => order.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    const byCursor: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: OrdersQuery['orders'] = (await send(platform.gatewayUrl, OrdersDocument, { first: 3, after }, buyer.accessToken)).data!.orders;
      byCursor.push(...page.nodes.map((order) => order.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor ?? null;
    }
    const byOffset: string[] = [];
    for (let offset = 0; offset < all.nodes.length; offset += 3) {
      byOffset.push(...(await send(platform.gatewayUrl, OrdersDocument, { first: 3, offset }, buyer.accessToken)).data!.orders.nodes.map((order) => order.id));
    }
    expect(byCursor).toEqual(all.nodes.map((order) => order.id));
    expect(byOffset).toEqual(byCursor);
    // An empty `after` is the first page, no cursor: with an offset it is offset paging, not "both".
    const emptyAfter = await send(platform.gatewayUrl, OrdersDocument, { first: 3, offset: 3, after: '' }, buyer.accessToken);
    expect(emptyAfter.errors).toBeUndefined();
    expect(emptyAfter.data!.orders.nodes.map((order) => order.id)).toEqual(byOffset.slice(3, 6));
    const last = await send(platform.gatewayUrl, OrdersDocument, { first: 1, offset: all.nodes.length }, buyer.accessToken);
    expect(last.data!.orders).toEqual({ totalCount: all.nodes.length, nodes: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  it('count the whole list, its filter applied, whatever the page (the number of pages for offset paging)', async () => {
    const mine = (await send(platform.gatewayUrl, OrdersDocument, { first: 100 }, buyer.accessToken)).data!.orders;
    const eth = mine.nodes.filter((order) => order.asset.symbol === 'ETH').length;
    expect(eth).toBeGreaterThan(0);
    expect((await send(platform.gatewayUrl, OrdersDocument, { first: 2, offset: 1 }, buyer.accessToken)).data!.orders.totalCount).toBe(mine.nodes.length);
    expect((await send(platform.gatewayUrl, OrdersDocument, { first: 1, filter: { asset: 'ETH' } }, buyer.accessToken)).data!.orders.totalCount).toBe(eth);
    // Everyone's orders for admins, and an account's through Account.orders.
    const everyone = (await send(platform.gatewayUrl, AllOrdersDocument, { first: 1 }, admin.accessToken)).data!.allOrders.totalCount;
    expect(everyone).toBe(await storedOrders());
    const viaAccount = await sendRaw<{ me: { orders: { totalCount: number } } }>(platform.gatewayUrl, { query: '{ me { orders(first: 1) { totalCount } } }' }, buyer.accessToken);
    expect(viaAccount.data?.me.orders.totalCount).toBe(mine.nodes.length);
  });

  it("answer Account.orders to its owner whatever the letter case of the id, and refuse another user", async () => {
    const ordersOf = (accountId: string, callerId: string) =>
      sendRaw<{ _entities: { orders: { totalCount: number } }[] }>(
        platform.orders!.url,
        { query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Account { orders(first: 1) { totalCount } } } }', variables: { r: [{ __typename: 'Account', id: accountId }] } },
        undefined,
        { [INTERNAL_TOKEN_HEADER]: platform.internalTokenSigner().sign({ accountId: callerId, roles: ['USER'] }, 'orders') },
      );
    const mine = (await send(platform.gatewayUrl, OrdersDocument, { first: 1 }, buyer.accessToken)).data!.orders.totalCount;
    expect(mine).toBeGreaterThan(0);
    // A UUID is one id in either case: the owner's id written in capitals was refused as another account.
    expect((await ordersOf(buyer.accountId.toUpperCase(), buyer.accountId)).data?._entities).toEqual([{ orders: { totalCount: mine } }]);
    expect(codes(await ordersOf(buyer.accountId, randomUUID()))).toEqual(['FORBIDDEN']);
  });

  it('give analysts and admins statistics, users FORBIDDEN', async () => {
    const range = { period: 'DAY' as const, from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 86_400_000).toISOString(), currency: 'eur' };
    const asAnalyst = await send(platform.gatewayUrl, OrderStatisticsDocument, range, analyst.accessToken);
    expect(asAnalyst.errors).toBeUndefined();
    expect(asAnalyst.data!.orderStatistics.map((row) => row.currency)).toEqual(['EUR']);
    expect((await send(platform.gatewayUrl, OrderStatisticsDocument, range, admin.accessToken)).data).toEqual(asAnalyst.data);
    expect(codes(await send(platform.gatewayUrl, OrderStatisticsDocument, range, buyer.accessToken))).toEqual(['FORBIDDEN']);
    expect(codes(await send(platform.gatewayUrl, OrderStatisticsDocument, range))).toEqual(['UNAUTHENTICATED']);
  });
});

describe("market's events as orders takes them", () => {
  it('leave out a price that is not above zero and a round dated in the future: no order is priced from them', async () => {
    const bus = new pg.Client({ connectionString: platform.orders!.runtime.config.busUrl });
    await bus.connect();
    const publish = (time: Date, prices: [string, string][]) =>
      bus.query("INSERT INTO bus_events (id, type, source, payload) VALUES (gen_random_uuid(), 'market.tick', 'market', $1)", [
        JSON.stringify({ time: time.toISOString(), prices: prices.map(([symbol, price]) => ({ symbol, price, source: 'test' })) }),
      ]);
    try {
      await publish(new Date(), [['ZEROCOIN', '0'], ['MINUSCOIN', '-5'], ['GOODCOIN', '5']]);
      // A year ahead: taken, it would have stayed "fresh" for a year and shut out every later round.
      await publish(new Date(Date.now() + 365 * 86_400_000), [['FUTURECOIN', '7']]);
      await platform.orders!.runtime.catchUpEvents();
      const cached = (symbol: string) => platform.orders!.prices.price(symbol)?.value.toString() ?? null;
      expect(['GOODCOIN', 'ZEROCOIN', 'MINUSCOIN', 'FUTURECOIN'].map(cached)).toEqual(['5', null, null, null]);
      expect(codes(await place({ asset: 'ZEROCOIN', currency: 'USD', amount: '10' }))).toEqual(['PRICE_UNAVAILABLE']);
      // What the store kept before such news was left out is dropped when orders starts from it.
      const db = platform.orders!.runtime.orm.em.fork();
      await db.execute("INSERT INTO prices (symbol, price, time) VALUES ('OLDZERO', 0, now()), ('OLDFUTURE', 3, now() + interval '1 year')");
      const reloaded = new PriceCache();
      await reloaded.load(db, new Date());
      expect([reloaded.price('OLDZERO'), reloaded.price('OLDFUTURE'), reloaded.price('GOODCOIN')?.value.toString()]).toEqual([undefined, undefined, '5']);
      expect(await db.execute("SELECT symbol FROM prices WHERE symbol IN ('OLDZERO', 'OLDFUTURE')")).toEqual([]);
    } finally {
      await bus.end();
    }
  });
});
