import Decimal from 'decimal.js';

/** Longest amount text read from outside (a CSV field, a provider's numeric string): far beyond any price, short enough to bound the work of one field. */
export const MAX_AMOUNT_TEXT_LENGTH = 64;

/** The largest amounts the store keeps: far beyond any price or volume, far below what PostgreSQL's numeric refuses. */
const MAX_INTEGER_DIGITS = 40;
const MAX_FRACTION_DIGITS = 40;

/**
 * Whether a price, volume or market figure fits the store. An exponent can make a short
 * text a number of 200,000 digits, which no column holds: such a value must be refused
 * where it is read, not fail the transaction that stores it with everything else.
 */
export function isStorableAmount(value: Decimal): boolean {
  return value.isFinite() && value.e <= MAX_INTEGER_DIGITS - 1 && value.decimalPlaces() <= MAX_FRACTION_DIGITS;
}
