import { randomUUID } from 'node:crypto';
import Decimal from 'decimal.js';
import { BusEvent, Logger, MARKET_ASSET, MARKET_FX, MARKET_TICK, MarketAssetEvent, MarketTickEvent, openSubgraphStore, Orm, testEnvironment, TestEnvironment } from '@herck/common';
import { OrdersConfig, ordersStore, readOrdersConfig } from '../src';
import { OrderService } from '../src/modules/order/order.service';
import { PlaceBuyOrderInput } from '../src/modules/order/order.type';
import { marketEventHandlers } from '../src/modules/price/market-events.handler';
import { PriceCache } from '../src/modules/price/price-cache';

/**
 * An asset market stops following is refused at once (PRICE_UNAVAILABLE, as one it never followed),
 * not priced from its last cached round until that is too old. Announcements are ordered by version,
 * not arrival; a tick landing after the untracking does not undo it; the state survives a restart.
 */
let environment: TestEnvironment;
let config: OrdersConfig;
let orm: Orm;
const logger = new Logger('orders', 'error');

beforeAll(async () => {
  environment = testEnvironment();
  config = readOrdersConfig(environment.env);
  orm = await openSubgraphStore(config, logger, ordersStore);
});
afterAll(async () => {
  await orm?.close();
  await environment?.cleanUp();
});

const busEvent = (type: string, payload: object): BusEvent => ({ position: '1', id: randomUUID(), type, source: 'market', payload: payload as Record<string, unknown>, createdAt: new Date() });
const tick = (secondsAgo: number, price: string): MarketTickEvent => ({
  time: new Date(Date.now() - secondsAgo * 1000).toISOString(),
  prices: [{ symbol: 'SOL', price, source: 'test' }],
});
const asset = (tracked: boolean, version: number | undefined, secondsAgo = 0): MarketAssetEvent => ({
  symbol: 'SOL',
  name: 'Solana',
  tracked,
  changedAt: new Date(Date.now() - secondsAgo * 1000).toISOString(),
  ...(version !== undefined && { version }),
});

/** Orders as the subgraph runs it: events applied by the consumer's transaction, orders placed from the cache. */
function ordersOn(cache: PriceCache) {
  const handlers = marketEventHandlers(cache, logger);
  const service = new OrderService(cache, config, () => undefined);
  return {
    deliver: (type: string, payload: object) => orm.em.fork().transactional((em) => handlers[type]!(busEvent(type, payload), em)),
    place: (ownerId: string, idempotencyKey = randomUUID()) =>
      service.placeBuyOrder(orm.em.fork(), ownerId, Object.assign(new PlaceBuyOrderInput(), { asset: 'sol', currency: 'USD', amount: new Decimal('100'), idempotencyKey })),
  };
}

/** The refusal's code, or 'placed'. */
async function outcome(order: Promise<unknown>): Promise<string> {
  return order.then(
    () => 'placed',
    (error: { extensions?: { code?: string } }) => String(error.extensions?.code),
  );
}

it('refuses an untracked asset at once, by version and not by arrival, until a newer announcement tracks it again; a restart keeps it', async () => {
  const cache = new PriceCache();
  await cache.load(orm.em.fork(), new Date());
  const { deliver, place } = ordersOn(cache);
  const owner = randomUUID();
  await deliver(MARKET_FX, { time: new Date().toISOString(), base: 'USD', rates: { EUR: '0.9' } });
  await deliver(MARKET_ASSET, asset(true, 1, 30));
  await deliver(MARKET_TICK, tick(20, '150'));
  const retried = randomUUID();
  const before = await place(owner, retried);
  expect(before.price.toFixed()).toBe('150');

  // Untracked after a tick: the cached price (fresh for another 100 s) is refused at once.
  await deliver(MARKET_ASSET, asset(false, 3, 10));
  expect(await outcome(place(owner))).toBe('PRICE_UNAVAILABLE');
  await expect(place(owner)).rejects.toThrow('There is no price for SOL');
  // The retry of an order placed before the untracking is still answered with that order.
  expect((await place(owner, retried)).id).toBe(before.id);

  // An older tracking reaching orders later (a relay passing another) changes nothing, nor does one without a version.
  await deliver(MARKET_ASSET, asset(true, 2, 0));
  await deliver(MARKET_ASSET, asset(true, undefined, 0));
  expect(await outcome(place(owner))).toBe('PRICE_UNAVAILABLE');
  // A round read just before the untracking, landing after it: its price is kept, the asset stays untracked.
  await deliver(MARKET_TICK, tick(12, '151'));
  expect(cache.price('SOL')?.value.toFixed()).toBe('151');
  expect(await outcome(place(owner))).toBe('PRICE_UNAVAILABLE');

  // A restart (or another replica) takes the untracking from the store.
  const restarted = new PriceCache();
  await restarted.load(orm.em.fork(), new Date());
  expect([restarted.tradablePrice('SOL'), restarted.price('SOL')?.value.toFixed()]).toEqual([undefined, '151']);
  expect(await outcome(ordersOn(restarted).place(owner))).toBe('PRICE_UNAVAILABLE');

  // Tracked again by a newer announcement: its price from before the untracking, fresh as it is, is no
  // price to trade on; the next round's is.
  await deliver(MARKET_ASSET, asset(true, 4, 0));
  expect(await outcome(place(owner))).toBe('PRICE_UNAVAILABLE');
  await deliver(MARKET_TICK, tick(0, '152'));
  expect((await place(owner)).price.toFixed()).toBe('152');
  const again = new PriceCache();
  await again.refresh(orm.em.fork(), new Date());
  expect(again.tradablePrice('SOL')?.value.toFixed()).toBe('152');
});

it('orders announcements made before versions existed by their time, and puts any versioned one after them', async () => {
  const cache = new PriceCache();
  const { deliver } = ordersOn(cache);
  const symbol = (tracked: boolean, version: number | undefined, secondsAgo: number) => ({ ...asset(tracked, version, secondsAgo), symbol: 'ADA' });
  /** Whether a round of now prices ADA for orders, in memory and from the store. */
  const stored = async () => {
    await deliver(MARKET_TICK, { ...tick(0, '0.5'), prices: [{ symbol: 'ADA', price: '0.5', source: 'test' }] });
    const fresh = new PriceCache();
    await fresh.load(orm.em.fork(), new Date());
    return [cache.tradablePrice('ADA') !== undefined, fresh.tradablePrice('ADA') !== undefined];
  };
  await deliver(MARKET_ASSET, symbol(false, undefined, 10));
  // An older unversioned tracking arriving later is passed over; a later one applies.
  await deliver(MARKET_ASSET, symbol(true, undefined, 20));
  expect(await stored()).toEqual([false, false]);
  await deliver(MARKET_ASSET, symbol(true, undefined, 5));
  expect(await stored()).toEqual([true, true]);
  // Any versioned announcement is newer than the unversioned ones, whatever its time; then they change nothing.
  await deliver(MARKET_ASSET, symbol(false, 1, 60));
  await deliver(MARKET_ASSET, symbol(true, undefined, 0));
  expect(await stored()).toEqual([false, false]);
});
