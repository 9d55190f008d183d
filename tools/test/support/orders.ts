import { randomUUID } from 'node:crypto';
import { send } from './graphql-client';
import { PlaceBuyOrderDocument } from './operations.generated';
import { TestPlatform } from './platform';
import { eventually } from './users';

/** Waits until orders holds a BTC price and a EUR rate (from market's rounds): before that, an order is PRICE_UNAVAILABLE. */
export async function orderPricesReady(platform: Pick<TestPlatform, 'orders'>, timeoutMs = 20_000): Promise<void> {
  await eventually(async () => Boolean(platform.orders!.prices.price('BTC') && platform.orders!.prices.rate('EUR', new Date())), timeoutMs);
}

export interface BuyOrderInput {
  asset: string;
  currency: string;
  amount: string;
  idempotencyKey?: string;
}

/** `placeBuyOrder` through the gateway, with an idempotency key of its own unless one is given. */
export function placeBuyOrder(platform: Pick<TestPlatform, 'gatewayUrl'>, accessToken: string, input: BuyOrderInput) {
  return send(platform.gatewayUrl, PlaceBuyOrderDocument, { input: { idempotencyKey: randomUUID(), ...input } }, accessToken);
}
