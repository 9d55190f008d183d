import Decimal from 'decimal.js';

/** A UTC calendar day, `YYYY-MM-DD`: the key of a daily close. */
export type PriceDay = string;

/**
 * The daily close of `symbol` on `day`, in the portfolio's base currency, or
 * null when there is none. Synchronous on purpose: the service loads the
 * closes it needs first, and this core stays free of I/O.
 */
export type PriceLookup = (symbol: string, day: PriceDay) => Decimal | null;

/** A close the figures needed and did not get: reported, never guessed. */
export interface MissingPrice {
  symbol: string;
  date: PriceDay;
}

/**
 * The day whose close values a portfolio at `time`: the UTC day the moment just
 * before it falls in. A day's close is the price as the next day begins, so
 * midnight is valued at the day that just ended: a January runs from the close of
 * 31 December to that of 31 January, and periods that meet at midnight chain.
 * For a time inside the current day that close may not exist yet; the lookup
 * decides (a live price, or null, which then shows as missing).
 */
export function priceDay(time: Date): PriceDay {
  return new Date(time.getTime() - 1).toISOString().slice(0, 10);
}

/** Distinct missing prices, by date then symbol. */
export function mergeMissingPrices(lists: readonly (readonly MissingPrice[])[]): MissingPrice[] {
  const byKey = new Map<string, MissingPrice>();
  for (const missing of lists.flat()) byKey.set(`${missing.date} ${missing.symbol}`, missing);
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, missing]) => missing);
}
