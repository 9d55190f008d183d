import Decimal from 'decimal.js';
import { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError, exact, quotient } from '@herck/common';
import { priceDay } from './math';
import { dayOf, PriceTable } from './price-table';

/**
 * What analysis keeps of market's events that values `symbols` from `from` to `to`
 * in `baseCurrency`: their daily (D1) closes, their latest prices and the
 * base currency's daily rates (from a week before `from`, to carry a rate over
 * the days without one). priceLookupOf turns it into prices per day.
 */
export async function readPriceTable(em: EntityManager, baseCurrency: string, symbols: string[], from: Date, to: Date): Promise<PriceTable> {
  const table: PriceTable = { today: dayOf(new Date()), closes: [], latest: [], rates: null };
  // `from` at midnight is valued at the close of the day before it (priceDay).
  const firstDay = priceDay(from);
  if (symbols.length) {
    table.closes = await em.execute<PriceTable['closes']>("SELECT symbol, open_time, close FROM candles WHERE interval = 'D1' AND symbol IN (?) AND open_time >= ? AND open_time <= ?", [
      symbols,
      new Date(`${firstDay}T00:00:00Z`),
      to,
    ]);
    table.latest = await em.execute<PriceTable['latest']>('SELECT symbol, price, time FROM latest_prices WHERE symbol IN (?)', [symbols]);
  }
  if (baseCurrency !== 'USD') {
    table.rates = await em.execute<NonNullable<PriceTable['rates']>>(
      "SELECT to_char(day, 'YYYY-MM-DD') AS day, rate FROM daily_fx WHERE currency = ? AND day >= ?::date - 7 AND day <= ?::date ORDER BY day",
      [baseCurrency, firstDay, dayOf(to)],
    );
  }
  return table;
}

/** Units of `currency` per USD on `time`'s day (or the closest day before, within a week); USD is 1. */
export async function rateOn(em: EntityManager, currency: string, time: Date): Promise<Decimal | null> {
  if (currency === 'USD') return new Decimal(1);
  const rows = await em.execute<{ rate: string }[]>('SELECT rate FROM daily_fx WHERE currency = ? AND day <= ?::date AND day > ?::date - 7 ORDER BY day DESC LIMIT 1', [currency, dayOf(time), dayOf(time)]);
  return rows[0] ? new Decimal(rows[0].rate) : null;
}

/** What converts amounts in `currency` on `time`'s day into `base`: through USD with that day's rates, read once. */
export async function converterOn(em: EntityManager, currency: string, base: string, time: Date, field: string): Promise<(amount: Decimal) => Decimal> {
  if (currency === base) return (amount) => amount;
  const [from, to] = [await rateOn(em, currency, time), await rateOn(em, base, time)];
  if (!from || !to) throw new BadUserInputError(`There is no ${currency}/${base} exchange rate for ${dayOf(time)}`, field);
  // One rounding: the exact product, then the division.
  return (amount) => quotient(exact(amount).times(to), from);
}
