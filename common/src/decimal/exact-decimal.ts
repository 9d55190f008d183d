import Decimal from 'decimal.js';

/**
 * decimal.js rounds the result of every operation to its constructor's
 * precision, 20 significant digits by default: 123.456789012345678901 (an
 * 18-decimal token amount above 100) lost its last digits in a sum, and a
 * quantity times a price was rounded. This constructor's sums, differences
 * and products are exact for every value the API takes (at most 64
 * characters, so a product of two has at most 128 digits). Its quotients would
 * be computed to the same precision: divide with `quotient`, which rounds to
 * what a share or a ratio means.
 */
export const ExactDecimal = Decimal.clone({ precision: 1_000, rounding: Decimal.ROUND_HALF_UP });

/** Significant digits of a quotient (a share of a cost, an average, a rate of return): decimal.js's default. */
export const QUOTIENT_DIGITS = 20;

const QuotientDecimal = Decimal.clone({ precision: QUOTIENT_DIGITS, rounding: Decimal.ROUND_HALF_UP });

/** The value as an ExactDecimal: what it is added to, taken from or multiplied by is not rounded. */
export function exact(value: Decimal.Value): Decimal {
  return new ExactDecimal(value);
}

/** `dividend / divisor` to QUOTIENT_DIGITS significant digits, as an ExactDecimal for the arithmetic that follows. */
export function quotient(dividend: Decimal.Value, divisor: Decimal.Value): Decimal {
  return new ExactDecimal(new QuotientDecimal(dividend).div(divisor));
}
