import Decimal from 'decimal.js';
import { EnvReader, Environment, readSubgraphConfig, SubgraphConfig } from '@herck/common';

export interface OrdersConfig extends SubgraphConfig {
  /** A cached price older than this refuses the order (PRICE_UNAVAILABLE). */
  priceMaxAgeSeconds: number;
  /** A cached FX rate older than this refuses the order (reference rates are daily). */
  fxMaxAgeSeconds: number;
  /** The largest amount one order may spend, in its currency. */
  maxAmount: Decimal;
  /** Days the bus keeps orders' fills at least, and then until every consumer of them has applied them. */
  eventRetentionDays: number;
}

export function readOrdersConfig(source: Environment = process.env): OrdersConfig {
  const env = new EnvReader(source);
  const subgraph = readSubgraphConfig(env, 'orders');
  const maxAmount = env.string('ORDER_MAX_AMOUNT', '1000000');
  // At most 12 integer digits: order statistics' median passes through a double, exact to that size.
  if (!/^\d{1,12}(\.\d{1,2})?$/.test(maxAmount) || /^[0.]+$/.test(maxAmount)) env.problem('ORDER_MAX_AMOUNT', 'must be a positive amount below 10^12 with at most 2 decimals');
  return env.finish({
    ...subgraph,
    priceMaxAgeSeconds: env.int('ORDER_PRICE_MAX_AGE_SECONDS', 120, { min: 1 }),
    fxMaxAgeSeconds: env.int('ORDER_FX_MAX_AGE_SECONDS', 3 * 86_400, { min: 1 }),
    maxAmount: new Decimal(/^\d/.test(maxAmount) ? maxAmount : '1000000'),
    eventRetentionDays: env.int('ORDERS_EVENT_RETENTION_DAYS', 30, { min: 1, max: 36_500 }),
  });
}
