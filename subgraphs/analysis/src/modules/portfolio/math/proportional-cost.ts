import Decimal from 'decimal.js';

/**
 * The cost of `part` of `quantity` units that cost `cost`: multiply before
 * dividing (one rounding, at decimal.js's 20 significant digits), and hand
 * back the exact `cost` when everything goes, so a closed position leaves
 * no rounding residue behind.
 */
export function proportionalCost(cost: Decimal, part: Decimal, quantity: Decimal): Decimal {
  return part.eq(quantity) ? cost : cost.mul(part).div(quantity);
}
