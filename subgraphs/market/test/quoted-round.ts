import Decimal from 'decimal.js';
import { MarketRound } from '../src/modules/ingestion/market-round';

/** A round at `time` quoting each symbol at its price in USD (nothing else known), as `source` gave it. */
export function quotedRound(time: Date | string | number, prices: Record<string, string>, source = 'test'): MarketRound {
  const at = new Date(time);
  return {
    time: at,
    ticks: Object.entries(prices).map(([symbol, price]) => ({ symbol, price: new Decimal(price), volume24h: null, marketCap: null, percentChange1h: null, percentChange24h: null, time: at, quoteCurrency: 'USD', source })),
    global: null,
    globalSource: null,
    fx: [],
  };
}
