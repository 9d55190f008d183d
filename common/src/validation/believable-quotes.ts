import Decimal from 'decimal.js';
import { MarketFxEvent, MarketTickEvent } from '../events/market-events';

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
  /** Symbols or currencies left out (not above zero), for the log. */
  leftOut: string[];
}

/** The prices of a `market.tick` that can be used, or null when its time cannot be believed. */
export function usableTick(tick: MarketTickEvent, now: Date): UsableRound<MarketTickEvent['prices']> | null {
  const time = new Date(tick.time);
  if (!isBelievableTime(time, now)) return null;
  const usable = tick.prices.filter(({ price }) => isUsableQuote(price));
  return { time, usable, leftOut: tick.prices.filter((quote) => !usable.includes(quote)).map((quote) => quote.symbol) };
}

/** The rates of a `market.fx` that can be used, or null when its time cannot be believed. */
export function usableFx(fx: MarketFxEvent, now: Date): UsableRound<MarketFxEvent['rates']> | null {
  const time = new Date(fx.time);
  if (!isBelievableTime(time, now)) return null;
  const entries = Object.entries(fx.rates);
  const usable = Object.fromEntries(entries.filter(([, rate]) => isUsableQuote(rate)));
  return { time, usable, leftOut: entries.filter(([currency]) => !(currency in usable)).map(([currency]) => currency) };
}
