import Decimal from 'decimal.js';
import { BusEvent } from '../bus/bus-database';
import { MarketFxEvent, MarketTickEvent } from '../events/market-events';
import { Logger } from '../logging/logger';

/** How far ahead of this clock a market round's time may be: hosts' clocks differ a little. */
const ROUND_CLOCK_SKEW_MS = 60_000;

/**
 * Whether a market round's time can be taken by a consumer that keeps the newest price: a time
 * ahead of now would keep its prices "fresh" long after they are stale, and shut out every later
 * round (news never replaces newer).
 */
export function isBelievableTime(time: Date, now: Date): boolean {
  return Number.isFinite(time.getTime()) && time.getTime() <= now.getTime() + ROUND_CLOCK_SKEW_MS;
}

/** A price or rate an order can be made at: a finite decimal above zero (a zero rate would divide by it). */
export function isUsableQuote(value: string): boolean {
  try {
    const quote = new Decimal(value);
    return quote.isFinite() && quote.gt(0);
  } catch {
    return false;
  }
}

/** A market round as a consumer may take it: its time, and the quotes that can be used. */
export interface UsableRound<Quotes> {
  time: Date;
  usable: Quotes;
}

/**
 * The prices of a `market.tick` event that can be used, or null when its time cannot be
 * believed; what is left out is logged.
 */
export function usableTick(event: BusEvent, now: Date, logger: Logger): UsableRound<MarketTickEvent['prices']> | null {
  const tick = event.payload as unknown as MarketTickEvent;
  const time = believedTime(event, tick.time, now, logger, 'market round');
  if (!time) return null;
  const usable = tick.prices.filter(({ price }) => isUsableQuote(price));
  if (usable.length < tick.prices.length) logLeftOut(event, logger, 'market prices', 'symbols', tick.prices.filter((quote) => !usable.includes(quote)).map((quote) => quote.symbol));
  return { time, usable };
}

/**
 * The rates of a `market.fx` event that can be used, or null when its time cannot be
 * believed; what is left out is logged.
 */
export function usableFx(event: BusEvent, now: Date, logger: Logger): UsableRound<MarketFxEvent['rates']> | null {
  const fx = event.payload as unknown as MarketFxEvent;
  const time = believedTime(event, fx.time, now, logger, 'FX rates');
  if (!time) return null;
  const entries = Object.entries(fx.rates);
  const usable = Object.fromEntries(entries.filter(([, rate]) => isUsableQuote(rate)));
  if (entries.length > Object.keys(usable).length) logLeftOut(event, logger, 'FX rates', 'currencies', entries.filter(([currency]) => !(currency in usable)).map(([currency]) => currency));
  return { time, usable };
}

/** The event's time, or null (logged) when it cannot be believed. */
function believedTime(event: BusEvent, written: string, now: Date, logger: Logger, what: string): Date | null {
  const time = new Date(written);
  if (isBelievableTime(time, now)) return time;
  logger.warn(`${what} ignored: the time is not believable`, { event: event.id, roundTime: written });
  return null;
}

/** One warning naming the quotes of a round that were left out (listed only when some were: this runs for every round). */
function logLeftOut(event: BusEvent, logger: Logger, what: string, key: string, names: string[]): void {
  logger.warn(`${what} ignored: not above zero`, { event: event.id, [key]: names });
}
