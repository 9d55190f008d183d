import Decimal from 'decimal.js';
import { quotient } from '@herck/common/decimal';
import { ExternalFlow, Ledger } from './ledger';
import { orderTransactions } from './order-transactions';
import { PortfolioInputError } from './portfolio-errors';
import { mergeMissingPrices, MissingPrice, priceDay, PriceLookup } from './price-lookup';
import { RunningValue } from './running-value';
import { SubPeriod, subPeriodReturn, timeWeightedReturn } from './time-weighted-return';
import { CostBasisMethod, PortfolioTransaction } from './transaction';
import { Valuation, valueSnapshot } from './valuation';
import { DatedCashFlow, xirr } from './xirr';

export interface PerformanceOptions {
  from: Date;
  to: Date;
  method: CostBasisMethod;
  prices: PriceLookup;
}

/**
 * How the portfolio did over [from, to]: `start` includes every transaction
 * before `from`, `end` every one at or before `to`; flows from `from` on are
 * the period's, so a ledger asked about from its first flow to its last (as
 * Excel's XIRR example is dated) counts them all. Returns are fractions (0.125 = 12.5 %).
 */
export interface Performance {
  from: Date;
  to: Date;
  start: Valuation;
  end: Valuation;
  /** External flows in the period, implicit deposits (see Ledger) included. */
  deposits: Decimal;
  withdrawals: Decimal;
  /** end.value − start.value − deposits + withdrawals: what the portfolio earned, flows taken out. */
  gain: Decimal;
  /** gain / (start.value + deposits): the earnings over all the money at work in the period; null when that is 0. */
  roi: Decimal | null;
  /** Time-weighted return over `subPeriods`, split at every external flow. */
  twr: Decimal | null;
  subPeriods: SubPeriod[];
  /**
   * Money-weighted annual return: XIRR of −start.value at `from`, −each deposit,
   * +each withdrawal, +end.value at `to`. Null when undefined or a price is missing.
   */
  xirr: Decimal | null;
  /** Realized P&L of the sells in the period. */
  realizedPnl: Decimal;
  /**
   * Change of unrealized P&L over the period (end − start), so that gain = realizedPnl + unrealizedPnl − otherFees.
   * Null when a price is missing: a holding without one would count as no change.
   */
  unrealizedPnl: Decimal | null;
  /** Fees outside trades in the period (FEE entries, deposit and withdrawal fees). */
  otherFees: Decimal;
  /** Every close the figures needed and did not get, at the start, the end and each flow. */
  missingPrices: MissingPrice[];
  complete: boolean;
}

interface FlowPoint {
  flow: ExternalFlow;
  /** The ledger's value just before the flow, at the close of the flow's day, and the closes that were missing for it. */
  value: Decimal;
  missingPrices: MissingPrice[];
}

/** Replays the ledger once, valuing it at `from`, just before each flow in [from, to], and at `to`. */
export function performanceBetween(transactions: readonly PortfolioTransaction[], options: PerformanceOptions): Performance {
  const { from, to, method, prices } = options;
  if (!(from.getTime() < to.getTime())) throw new PortfolioInputError('`from` must be before `to`', 'from');
  const points: FlowPoint[] = [];
  let inPeriod = false;
  const running = new RunningValue(prices);
  const ledger = new Ledger(method, (flow, before) => {
    if (inPeriod) points.push({ flow, ...running.valueOf(before, priceDay(flow.time)) });
  });
  const ordered = orderTransactions(transactions);
  let next = 0;
  for (; next < ordered.length && ordered[next].time.getTime() < from.getTime(); next++) ledger.apply(ordered[next]);
  const startState = ledger.snapshot();
  inPeriod = true;
  for (; next < ordered.length && ordered[next].time.getTime() <= to.getTime(); next++) ledger.apply(ordered[next]);
  const endState = ledger.snapshot();

  const start = valueSnapshot(startState, priceDay(from), prices);
  const end = valueSnapshot(endState, priceDay(to), prices);
  const subPeriods = splitAtFlows(start, end, points, from, to);
  const deposits = endState.deposits.minus(startState.deposits);
  const withdrawals = endState.withdrawals.minus(startState.withdrawals);
  const gain = end.value.minus(start.value).minus(deposits).plus(withdrawals);
  const invested = start.value.plus(deposits);
  const missingPrices = mergeMissingPrices([start.missingPrices, ...points.map((point) => point.missingPrices), end.missingPrices]);
  // A holding without a price would count as worth nothing: a return from that is a guess (a total
  // loss, typically), so the returns are left out and the figure says it is incomplete.
  const complete = missingPrices.length === 0;
  return {
    from,
    to,
    start,
    end,
    deposits,
    withdrawals,
    gain,
    roi: !complete || invested.isZero() ? null : quotient(gain, invested),
    twr: complete ? timeWeightedReturn(subPeriods) : null,
    subPeriods,
    xirr: complete ? xirr(moneyFlows(start, end, points, from, to)) : null,
    realizedPnl: endState.realizedPnl.minus(startState.realizedPnl),
    unrealizedPnl: complete ? end.unrealizedPnl.minus(start.unrealizedPnl) : null,
    otherFees: endState.otherFees.minus(startState.otherFees),
    missingPrices,
    complete,
  };
}

/** Sub-periods between flows; the value before a flow is taken at the close of the flow's day. */
function splitAtFlows(start: Valuation, end: Valuation, points: readonly FlowPoint[], from: Date, to: Date): SubPeriod[] {
  const subPeriods: SubPeriod[] = [];
  let periodStart = from;
  let startValue = start.value;
  const close = (periodEnd: Date, endValue: Decimal) => {
    subPeriods.push({ start: periodStart, end: periodEnd, startValue, endValue, return: subPeriodReturn(startValue, endValue) });
  };
  for (const { flow, value } of points) {
    close(flow.time, value);
    periodStart = flow.time;
    startValue = flow.kind === 'DEPOSIT' ? value.plus(flow.amount) : value.minus(flow.amount);
  }
  close(to, end.value);
  return subPeriods;
}

function moneyFlows(start: Valuation, end: Valuation, points: readonly FlowPoint[], from: Date, to: Date): DatedCashFlow[] {
  const flows: DatedCashFlow[] = [];
  if (!start.value.isZero()) flows.push({ amount: start.value.neg(), time: from });
  for (const { flow } of points) flows.push({ amount: flow.kind === 'DEPOSIT' ? flow.amount.neg() : flow.amount, time: flow.time });
  flows.push({ amount: end.value, time: to });
  return flows;
}
