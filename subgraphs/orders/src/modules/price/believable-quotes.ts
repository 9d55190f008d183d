import Decimal from 'decimal.js';

/** How far ahead of this clock a round's time may be: hosts' clocks differ a little. */
const CLOCK_SKEW_MS = 60_000;

/**
 * Whether a round's time can be taken: a time ahead of now would keep its prices "fresh"
 * long after they are stale, and shut out every later round (news never replaces newer).
 */
export function isBelievableTime(time: Date, now: Date): boolean {
  return Number.isFinite(time.getTime()) && time.getTime() <= now.getTime() + CLOCK_SKEW_MS;
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
