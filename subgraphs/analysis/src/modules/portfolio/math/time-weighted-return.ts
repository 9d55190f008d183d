import Decimal from 'decimal.js';
import { exact, quotient } from '@herck/common/decimal';

/**
 * A stretch between external flows. `startValue` is the value right after the
 * flow that opens it (value before that flow ± the flow), `endValue` the value
 * right before the flow that closes it (or at the period's end).
 */
export interface SubPeriod {
  start: Date;
  end: Date;
  startValue: Decimal;
  endValue: Decimal;
  /** endValue / startValue − 1; 0 when both are 0 (nothing invested), null when only the start is 0. */
  return: Decimal | null;
}

export function subPeriodReturn(startValue: Decimal, endValue: Decimal): Decimal | null {
  if (startValue.isZero()) return endValue.isZero() ? new Decimal(0) : null;
  // (end − start) / start, not end / start − 1: the quotient's 20 digits are the return's own
  // (1700 → 1650 is −0.029411764705882352941, where 1650/1700 − 1 kept only 19 of them).
  return quotient(exact(endValue).minus(startValue), startValue);
}

/**
 * Time-weighted return: Π (1 + rᵢ) − 1 over the sub-periods. Splitting at each
 * flow takes the size and timing of deposits and withdrawals out of the
 * figure, so it measures the investments, not the investor. Null when any
 * sub-period's return is undefined: value appearing from a zero base, which
 * takes a missing (or zero) price on a flow day.
 */
export function timeWeightedReturn(subPeriods: readonly SubPeriod[]): Decimal | null {
  // Π end / Π start − 1 from the exact products, divided once: chaining the rounded growths
  // (20 digits each, then − 1) left 19 digits or fewer, and the last ones off by the roundings.
  let ends = exact(1);
  let starts = exact(1);
  for (const period of subPeriods) {
    if (period.return === null) return null;
    // Nothing invested and nothing there: a growth of 1.
    if (period.startValue.isZero()) continue;
    ends = ends.mul(period.endValue);
    starts = starts.mul(period.startValue);
  }
  return quotient(ends.minus(starts), starts);
}
