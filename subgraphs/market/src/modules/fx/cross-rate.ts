import Decimal from 'decimal.js';

/** Rates are kept against USD; other bases are derived from them, to 12 significant digits. */
const CROSS_RATE_DIGITS = 12;

/** Divides to exactly the digits kept: the quotient is rounded once (at 20 digits first, then 12, the 12th could be off by one). */
const CrossRateDecimal = Decimal.clone({ precision: CROSS_RATE_DIGITS, rounding: Decimal.ROUND_HALF_UP });

/** How many `quote` one `base` buys, from the USD rates of both (units of each per dollar). */
export function crossRate(quotePerUsd: Decimal.Value, basePerUsd: Decimal.Value): Decimal {
  return new Decimal(new CrossRateDecimal(quotePerUsd).div(basePerUsd));
}
