import Decimal from 'decimal.js';
import { exact, quotient } from '@herck/common/decimal';

/**
 * The cost of `part` of `quantity` units that cost `cost`: multiply exactly
 * before dividing (one rounding, to QUOTIENT_DIGITS significant digits), and
 * hand back the exact `cost` when everything goes, so a closed position leaves
 * no rounding residue behind.
 */
export function proportionalCost(cost: Decimal, part: Decimal, quantity: Decimal): Decimal {
  return part.eq(quantity) ? cost : quotient(exact(cost).mul(part), quantity);
}
