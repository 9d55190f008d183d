import Decimal from 'decimal.js';

/** An amount on a date, investor's sign: money put in is negative, money taken out (or the final value) positive. */
export interface DatedCashFlow {
  amount: Decimal;
  time: Date;
}

/** Actual/365 as in Excel: the exponent is elapsed days over 365, leap years included. */
const DAY_MS = 86_400_000;
const DAYS_PER_YEAR = 365;
/** Newton stops when a step is below this; far finer than Excel's documented 0.000001 %. */
const STEP_TOLERANCE = new Decimal('1e-14');
const MAX_NEWTON_STEPS = 100;
const MAX_BISECTION_STEPS = 200;
/**
 * Rates where the bisection fallback looks for a sign change, in order; the rate must stay above −1.
 * Up to 1e21: a large gain over a day or two annualises to rates of 1e13 and more, and has a root.
 */
const BRACKET_GRID = ['-0.999999', '-0.99', '-0.9', '-0.5', '0', '0.5', '1', '2', '5', '10', '100', '1000', '1e6', '1e9', '1e12', '1e15', '1e18', '1e21'].map((rate) => new Decimal(rate));
/**
 * Growth factors (1 + rate) from the grid's lowest, 0.000001, toward 0: the mirror of its huge rates. A
 * loss over a day or two annualises to a rate just above −1 (10 % lost in a day: 0.9^365 − 1 = −1 + 2e−17),
 * too close to −1 for a rate of 20 digits to tell apart, so it is looked for in factors. Down to 1e−6291456,
 * where even a loss over a minute has its root.
 */
const TOTAL_LOSS_FACTORS = Array.from({ length: 21 }, (_, k) => new Decimal(10).pow(-6 * 2 ** k));
/** Digits kept in the answer: the iteration is good to ~1e-14, more would be noise. */
const RESULT_DECIMALS = 12;

interface Term {
  amount: Decimal;
  /** Elapsed days since the first flow; a whole number when the flows are dates, as in Excel. */
  days: Decimal;
}

/**
 * The annual rate r with Σ amountᵢ / (1 + r)^((tᵢ − t₀) / 365 days) = 0, the
 * XIRR of Excel (t₀ the earliest flow). Newton's method from `guess` (Excel's
 * default 0.1); if it leaves the domain r > −1, stalls or does not settle,
 * bisection over a sign change found on a fixed grid of rates, then between
 * −0.999999 and −1 (a loss annualised over a short period). Null when there
 * is no solution: fewer than one positive and one negative flow, or no sign
 * change to bracket. All in decimal.js (20 significant digits), no floats.
 *
 * The exact root of Excel's documentation example is 0.373362533519 (…534 at
 * 9 decimals); Excel displays 0.373362535, 1.5e-9 away: an iterate within its
 * documented 0.000001 % accuracy, not the root. This returns the root.
 */
export function xirr(flows: readonly DatedCashFlow[], guess: Decimal = new Decimal('0.1')): Decimal | null {
  if (!flows.some((flow) => flow.amount.gt(0)) || !flows.some((flow) => flow.amount.lt(0))) return null;
  // A reduce, not Math.min(...spread), which overflows the call stack on long histories.
  const start = flows.reduce((earliest, flow) => Math.min(earliest, flow.time.getTime()), Number.POSITIVE_INFINITY);
  // In decimal.js's own 20 digits (exact amounts would make every power and logarithm 1,000 digits long).
  const terms = flows.map((flow): Term => ({ amount: new Decimal(flow.amount), days: new Decimal(flow.time.getTime() - start).div(DAY_MS) }));
  const rate = newton(terms, guess) ?? bisection(terms) ?? bisectionNearTotalLoss(terms);
  return rate === null ? null : rate.toDecimalPlaces(RESULT_DECIMALS);
}

/** Net present value at `rate` (as the growth factor 1 + rate) and its derivative with respect to the rate. */
function npv(terms: readonly Term[], factor: Decimal): { value: Decimal; slope: Decimal } {
  let value = new Decimal(0);
  let slope = new Decimal(0);
  // (1+r)^(−d/365) = q^−d with q = (1+r)^(1/365): one logarithm per rate, then whole-day powers by
  // repeated multiplication, far cheaper than an exp/ln pair per flow (times within a day fall back to that).
  const daily = factor.ln().div(DAYS_PER_YEAR).exp();
  for (const { amount, days } of terms) {
    const discounted = amount.div(daily.pow(days));
    value = value.plus(discounted);
    // d/dr [a·(1+r)^−y] = −y·a·(1+r)^(−y−1), y = d/365
    slope = slope.minus(days.div(DAYS_PER_YEAR).mul(discounted).div(factor));
  }
  return { value, slope };
}

function newton(terms: readonly Term[], guess: Decimal): Decimal | null {
  let rate = guess;
  for (let step = 0; step < MAX_NEWTON_STEPS; step++) {
    const factor = rate.plus(1);
    if (!factor.gt(0)) return null;
    const { value, slope } = npv(terms, factor);
    if (value.isZero()) return rate;
    if (slope.isZero() || !slope.isFinite() || !value.isFinite()) return null;
    const next = rate.minus(value.div(slope));
    if (next.minus(rate).abs().lt(STEP_TOLERANCE)) return next.plus(1).gt(0) ? next : null;
    rate = next;
  }
  return null;
}

function bisection(terms: readonly Term[]): Decimal | null {
  const sign = (rate: Decimal) => npv(terms, rate.plus(1)).value.comparedTo(0);
  for (let i = 0; i + 1 < BRACKET_GRID.length; i++) {
    const root = bisect(sign, BRACKET_GRID[i], BRACKET_GRID[i + 1]);
    if (root) return root;
  }
  return null;
}

/**
 * Bisection on the growth factor between 0.000001 and 0, for roots the rate grid cannot hold: a short
 * period's loss came back null (no solution) while a gain as short had its huge rate. Such a root is −1
 * to the 12 decimals kept, as it is: the loss, annualised, is all but total.
 */
function bisectionNearTotalLoss(terms: readonly Term[]): Decimal | null {
  const sign = (factor: Decimal) => npv(terms, factor).value.comparedTo(0);
  for (let i = 0; i + 1 < TOTAL_LOSS_FACTORS.length; i++) {
    const factor = bisect(sign, TOTAL_LOSS_FACTORS[i + 1], TOTAL_LOSS_FACTORS[i]);
    if (factor) return factor.minus(1);
  }
  return null;
}

/** The root of `sign` between `low` and `high` by bisection, if its sign changes there (or is 0 at `low`). */
function bisect(sign: (x: Decimal) => number, low: Decimal, high: Decimal): Decimal | null {
  const lowSign = sign(low);
  if (lowSign === 0) return low;
  if (lowSign === sign(high)) return null;
  for (let step = 0; step < MAX_BISECTION_STEPS && high.minus(low).gt(STEP_TOLERANCE); step++) {
    const middle = low.plus(high).div(2);
    const middleSign = sign(middle);
    if (middleSign === 0) return middle;
    if (middleSign === lowSign) low = middle;
    else high = middle;
  }
  return low.plus(high).div(2);
}
