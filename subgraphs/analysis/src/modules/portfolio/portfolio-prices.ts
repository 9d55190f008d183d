import Decimal from 'decimal.js';
import { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError, exact, quotient } from '@herck/common';
import { PriceDay, PriceLookup } from './math';

const DAY_MS = 86_400_000;

/** The UTC day of `time`, as prices are keyed. */
export function dayOf(time: Date): PriceDay {
  return time.toISOString().slice(0, 10);
}

/**
 * Prices per date, from what analysis keeps of market's events: a day's price
 * is its daily (D1) close; today's, the latest price seen today. Converted to
 * the base currency with that day's FX rate. A missing one stays missing.
 */
export async function priceLookup(em: EntityManager, baseCurrency: string, symbols: string[], from: Date, to: Date): Promise<PriceLookup> {
  const closes = new Map<string, Decimal>();
  if (symbols.length) {
    const rows = await em.execute<{ symbol: string; open_time: Date; close: string }[]>(
      "SELECT symbol, open_time, close FROM candles WHERE interval = 'D1' AND symbol IN (?) AND open_time >= ? AND open_time <= ?",
      [symbols, new Date(Math.floor(from.getTime() / DAY_MS) * DAY_MS), to],
    );
    for (const row of rows) closes.set(`${row.symbol}|${dayOf(new Date(row.open_time))}`, new Decimal(row.close));
    const today = dayOf(new Date());
    const latest = await em.execute<{ symbol: string; price: string; time: Date }[]>('SELECT symbol, price, time FROM latest_prices WHERE symbol IN (?)', [symbols]);
    for (const row of latest) if (dayOf(new Date(row.time)) === today) closes.set(`${row.symbol}|${today}`, new Decimal(row.price));
  }
  const rates = baseCurrency === 'USD' ? null : await dailyRates(em, baseCurrency, from, to);
  return (symbol, day) => {
    const close = closes.get(`${symbol}|${day}`);
    if (!close) return null;
    if (!rates) return close;
    const rate = rates.get(day);
    return rate ? exact(close).times(rate) : null;
  };
}

/** Each day's rate, carried forward over days without one (weekends, today before its first rate) for up to a week, as rateOn does. */
async function dailyRates(em: EntityManager, currency: string, from: Date, to: Date): Promise<Map<PriceDay, Decimal>> {
  const rows = await em.execute<{ day: string; rate: string }[]>("SELECT to_char(day, 'YYYY-MM-DD') AS day, rate FROM daily_fx WHERE currency = ? AND day >= ?::date - 7 AND day <= ?::date ORDER BY day", [
    currency,
    dayOf(from),
    dayOf(to),
  ]);
  const rates = new Map<PriceDay, Decimal>();
  for (const [index, row] of rows.entries()) {
    const until = rows[index + 1] ? new Date(`${rows[index + 1]!.day}T00:00:00Z`).getTime() : new Date(`${row.day}T00:00:00Z`).getTime() + 7 * DAY_MS;
    const end = Math.min(until, new Date(`${row.day}T00:00:00Z`).getTime() + 7 * DAY_MS);
    for (let day = new Date(`${row.day}T00:00:00Z`).getTime(); day < end; day += DAY_MS) rates.set(dayOf(new Date(day)), new Decimal(row.rate));
  }
  return rates;
}

/** Units of `currency` per USD on `time`'s day (or the closest day before, within a week); USD is 1. */
export async function rateOn(em: EntityManager, currency: string, time: Date): Promise<Decimal | null> {
  if (currency === 'USD') return new Decimal(1);
  const rows = await em.execute<{ rate: string }[]>('SELECT rate FROM daily_fx WHERE currency = ? AND day <= ?::date AND day > ?::date - 7 ORDER BY day DESC LIMIT 1', [currency, dayOf(time), dayOf(time)]);
  return rows[0] ? new Decimal(rows[0].rate) : null;
}

/** An amount in `currency` on `time`'s day, in `base`: through USD with that day's rates. */
export async function convert(em: EntityManager, amount: Decimal, currency: string, base: string, time: Date, field: string): Promise<Decimal> {
  if (currency === base) return amount;
  const [from, to] = [await rateOn(em, currency, time), await rateOn(em, base, time)];
  if (!from || !to) throw new BadUserInputError(`There is no ${currency}/${base} exchange rate for ${dayOf(time)}`, field);
  // One rounding: the exact product, then the division.
  return quotient(exact(amount).times(to), from);
}
