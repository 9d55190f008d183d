import Decimal from 'decimal.js';
import { exact } from '@herck/common/decimal';
import { PriceDay, PriceLookup } from './math';

const DAY_MS = 86_400_000;
/** How long a day's FX rate stands in for the days after it that have none (weekends, holidays). */
const RATE_CARRIED_DAYS = 7;

/**
 * The stored prices one valuation reads, as PostgreSQL answered them: plain
 * data, so it crosses to the thread that does the calculation unchanged.
 */
export interface PriceTable {
  /** The day "today" was when the prices were read: its price is the latest one seen that day. */
  today: PriceDay;
  /** Daily (D1) closes in USD. */
  closes: { symbol: string; open_time: Date; close: string }[];
  /** The latest price of each symbol in USD, and when it was seen. */
  latest: { symbol: string; price: string; time: Date }[];
  /** Units of the base currency per USD by day, oldest first; null for a USD portfolio. */
  rates: { day: PriceDay; rate: string }[] | null;
}

/** The UTC day of `time`, as prices are keyed. */
export function dayOf(time: Date): PriceDay {
  return time.toISOString().slice(0, 10);
}

/**
 * Prices per date from a price table: a day's price is its daily close; today's,
 * the latest price seen today. Converted to the base currency with that day's FX
 * rate. A missing one stays missing.
 */
export function priceLookupOf(table: PriceTable): PriceLookup {
  const closes = new Map<string, Decimal>();
  for (const row of table.closes) closes.set(`${row.symbol}|${dayOf(new Date(row.open_time))}`, new Decimal(row.close));
  for (const row of table.latest) if (dayOf(new Date(row.time)) === table.today) closes.set(`${row.symbol}|${table.today}`, new Decimal(row.price));
  const rates = table.rates ? carriedRates(table.rates) : null;
  return (symbol, day) => {
    const close = closes.get(`${symbol}|${day}`);
    if (!close) return null;
    if (!rates) return close;
    const rate = rates.get(day);
    return rate ? exact(close).times(rate) : null;
  };
}

/** Each day's rate, carried forward over days without one (weekends, today before its first rate) for up to a week, as rateOn does. */
function carriedRates(rows: { day: PriceDay; rate: string }[]): Map<PriceDay, Decimal> {
  const rates = new Map<PriceDay, Decimal>();
  for (const [index, row] of rows.entries()) {
    const start = new Date(`${row.day}T00:00:00Z`).getTime();
    const next = rows[index + 1];
    const end = Math.min(next ? new Date(`${next.day}T00:00:00Z`).getTime() : Number.POSITIVE_INFINITY, start + RATE_CARRIED_DAYS * DAY_MS);
    for (let day = start; day < end; day += DAY_MS) rates.set(dayOf(new Date(day)), new Decimal(row.rate));
  }
  return rates;
}
