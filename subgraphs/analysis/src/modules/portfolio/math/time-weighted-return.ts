import Decimal from 'decimal.js';
import { quotient } from '@herck/common';

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
  return quotient(endValue, startValue).minus(1);
}

/**
 * Time-weighted return: Π (1 + rᵢ) − 1 over the sub-periods. Splitting at each
 * flow takes the size and timing of deposits and withdrawals out of the
 * figure, so it measures the investments, not the investor. Null when any
 * sub-period's return is undefined: value appearing from a zero base, which
 * takes a missing (or zero) price on a flow day.
 */
export function timeWeightedReturn(subPeriods: readonly SubPeriod[]): Decimal | null {
  let growth = new Decimal(1);
  for (const period of subPeriods) {
    if (period.return === null) return null;
    growth = growth.mul(period.return.plus(1));
  }
  return growth.minus(1);
}
