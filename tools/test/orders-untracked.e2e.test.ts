import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { ReplayServer } from '../../subgraphs/market/test/providers/replay-server';
import { codes, send } from './support/graphql-client';
import { TrackAssetDocument, UntrackAssetDocument } from './support/operations.generated';
import { TestPlatform, startTestPlatform } from './support/platform';
import { BuyOrderInput, orderPricesReady, placeBuyOrder } from './support/orders';
import { startRecordedProviders } from './support/recorded-providers';
import { adminEnv, eventually, logInAdmin, signUp, SignedUpUser } from './support/users';

/**
 * An asset an admin untracks is refused by orders as soon as orders has applied market's
 * announcement (PRICE_UNAVAILABLE, as an asset never tracked), not priced from its last round for
 * as long as that stays fresh (ORDER_PRICE_MAX_AGE_SECONDS); tracked again, it is orderable again.
 */
let providers: ReplayServer;
let platform: TestPlatform;
let buyer: SignedUpUser;
let admin: { accessToken: string };

beforeAll(async () => {
  // Recorded answers, a round a second: BTC and ETH are tracked and priced.
  const recorded = await startRecordedProviders();
  providers = recorded.server;
  platform = await startTestPlatform({ ...adminEnv('orders-untracked-admin@example.com'), ...recorded.env }, { market: {}, orders: {} });
  buyer = await signUp(platform);
  admin = await logInAdmin(platform);
  await orderPricesReady(platform);
  await eventually(async () => Boolean(platform.orders!.prices.price('ETH')), 20_000);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await providers?.stop();
}, 60_000);

const place = (input: BuyOrderInput) => placeBuyOrder(platform, buyer.accessToken, input);

/**
 * Waits until orders' bus consumer has read past market's announcement of `symbol` (applied it, if it
 * handles it): the first one after bus position `after`. Resolves with its position.
 */
async function ordersApplied(symbol: string, tracked: boolean, after = 0n): Promise<bigint> {
  const bus = new pg.Client({ connectionString: platform.orders!.runtime.config.busUrl });
  await bus.connect();
  try {
    let position = 0n;
    await eventually(async () => {
      const { rows } = await bus.query<{ position: string | null }>("SELECT max(position)::text AS position FROM bus_events WHERE type = 'market.asset' AND payload->>'symbol' = $1 AND payload->>'tracked' = $2", [symbol, String(tracked)]);
      position = BigInt(rows[0]!.position ?? 0);
      return position > after;
    });
    await eventually(async () => {
      const rows = await platform.orders!.runtime.orm.em.fork().execute<{ position: string }[]>("SELECT position::text FROM bus_positions WHERE consumer = 'orders'");
      return BigInt(rows[0]?.position ?? 0) >= position;
    });
    return position;
  } finally {
    await bus.end();
  }
}

it('refuses an untracked asset at once with PRICE_UNAVAILABLE, answers retries of earlier orders, and takes orders again once tracked and priced', async () => {
  const idempotencyKey = randomUUID();
  const before = await place({ asset: 'ETH', currency: 'USD', amount: '100', idempotencyKey });
  expect(codes(before)).toEqual([]);

  expect((await send(platform.gatewayUrl, UntrackAssetDocument, { symbol: 'ETH' }, admin.accessToken)).data?.untrackAsset).toBe(true);
  const untracking = await ordersApplied('ETH', false);
  // Its cached price is still fresh enough to trade on: the untracking alone refuses the order.
  expect(Date.now() - platform.orders!.prices.price('ETH')!.time.getTime()).toBeLessThan(60_000);
  const refused = await place({ asset: 'ETH', currency: 'USD', amount: '100' });
  expect(codes(refused)).toEqual(['PRICE_UNAVAILABLE']);
  expect(refused.errors?.[0]?.message).toBe('There is no price for ETH');
  // Still refused after the next rounds (one read just before the untracking may land after it).
  const untrackedAt = Date.now();
  await eventually(async () => (platform.orders!.prices.price('BTC')?.time.getTime() ?? 0) > untrackedAt + 1_000);
  expect(codes(await place({ asset: 'ETH', currency: 'EUR', amount: '100' }))).toEqual(['PRICE_UNAVAILABLE']);
  // The retry of the order placed before the untracking is answered with that order.
  const retried = await place({ asset: 'ETH', currency: 'USD', amount: '100', idempotencyKey });
  expect([codes(retried), retried.data?.placeBuyOrder.id]).toEqual([[], before.data!.placeBuyOrder.id]);
  // Other assets are not concerned.
  expect(codes(await place({ asset: 'BTC', currency: 'USD', amount: '100' }))).toEqual([]);

  expect((await send(platform.gatewayUrl, TrackAssetDocument, { symbol: 'ETH' }, admin.accessToken)).errors).toBeUndefined();
  const trackedAt = Date.now();
  await ordersApplied('ETH', true, untracking);
  // Orderable from the first round that quotes it again.
  await eventually(async () => (platform.orders!.prices.price('ETH')?.time.getTime() ?? 0) > trackedAt, 20_000);
  const again = await place({ asset: 'ETH', currency: 'USD', amount: '100' });
  expect(codes(again)).toEqual([]);
  expect(again.data?.placeBuyOrder.asset.symbol).toBe('ETH');
}, 90_000);
