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
/** The highest rate answered: a root above it is no figure anyone can use, and would cost steps to reach. */
const HIGHEST_RATE = BRACKET_GRID[BRACKET_GRID.length - 1]!;
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
 * is no solution: the flows of no moment sum to money in, or of none to money out, or there is no sign
 * change to bracket. All in decimal.js (20 significant digits), no floats.
 *
 * The exact root of Excel's documentation example is 0.373362533519 (…534 at
 * 9 decimals); Excel displays 0.373362535, 1.5e-9 away: an iterate within its
 * documented 0.000001 % accuracy, not the root. This returns the root.
 */
export function xirr(flows: readonly DatedCashFlow[], guess: Decimal = new Decimal('0.1')): Decimal | null {
  // Flows of one moment are discounted alike: only their sum counts. Money in and out at one moment that
  // cancel out (a deposit at a period's end, valued there) solve the equation at every rate: no XIRR.
  const net = netPerMoment(flows);
  if (!net.some((amount) => amount.gt(0)) || !net.some((amount) => amount.lt(0))) return null;
  // A reduce, not Math.min(...spread), which overflows the call stack on long histories.
  const start = flows.reduce((earliest, flow) => Math.min(earliest, flow.time.getTime()), Number.POSITIVE_INFINITY);
  // In decimal.js's own 20 digits (exact amounts would make every power and logarithm 1,000 digits long).
  const terms = flows
    .map((flow): Term => ({ amount: new Decimal(flow.amount), days: new Decimal(flow.time.getTime() - start).div(DAY_MS) }))
    .sort((a, b) => a.days.comparedTo(b.days));
  const rate = newton(terms, guess, signChanges(terms) === 1) ?? bisection(terms) ?? bisectionNearTotalLoss(terms);
  return rate === null ? null : rate.toDecimalPlaces(RESULT_DECIMALS);
}

/** The sum of the flows of each moment. */
function netPerMoment(flows: readonly DatedCashFlow[]): Decimal[] {
  const sums = new Map<number, Decimal>();
  for (const { amount, time } of flows) sums.set(time.getTime(), (sums.get(time.getTime()) ?? new Decimal(0)).plus(amount));
  return [...sums.values()];
}

/**
 * Net present value at `rate` (as the growth factor 1 + rate) and its derivative with respect to the rate.
 * `terms` are in time order: each discount is the previous one times the growth over the time between
 * them, not a power (or a logarithm and an exponential) of its own per flow, which made twenty years of
 * weekly deposits cost the service's one thread seconds per evaluation.
 */
function npv(terms: readonly Term[], factor: Decimal): { value: Decimal; slope: Decimal } {
  let value = new Decimal(0);
  // Σ days·discounted; the slope is −Σ (days/365)·discounted/factor, divided once at the end.
  let weighted = new Decimal(0);
  // (1+r)^(−d/365) = q^d with q = (1+r)^(−1/365): one logarithm per rate; then, the flows in time order,
  // each discount is the one before times q to the time between them: a few multiplications for whole
  // days, one exponential otherwise (each gap's growth computed once).
  const logDaily = factor.ln().div(-DAYS_PER_YEAR);
  const daily = logDaily.exp();
  const growths = new Map<string, Decimal>();
  let discount = new Decimal(1);
  let discountDays = new Decimal(0);
  for (const { amount, days } of terms) {
    if (!days.eq(discountDays)) {
      const gap = days.minus(discountDays);
      const key = gap.toString();
      let growth = growths.get(key);
      if (!growth) growths.set(key, (growth = gap.isInteger() ? daily.pow(gap) : gap.mul(logDaily).exp()));
      discount = discount.mul(growth);
      discountDays = days;
    }
    const discounted = amount.mul(discount);
    value = value.plus(discounted);
    // d/dr [a·(1+r)^−y] = −y·a·(1+r)^(−y−1), y = d/365
    weighted = weighted.plus(days.mul(discounted));
  }
  return { value, slope: weighted.div(DAYS_PER_YEAR).div(factor).neg() };
}

/**
 * How often the amounts, in time order (those of one moment summed), change sign: at most that many roots
 * (Descartes' rule of signs, which holds for any real exponents). Once: the value has one root, and keeps
 * the sign it has beyond it up to the highest rates.
 */
function signChanges(terms: readonly Term[]): number {
  let changes = 0;
  let lastSign = 0;
  for (let i = 0; i < terms.length; ) {
    let sum = new Decimal(0);
    const days = terms[i]!.days;
    for (; i < terms.length && terms[i]!.days.eq(days); i++) sum = sum.plus(terms[i]!.amount);
    const sign = sum.comparedTo(0);
    if (sign === 0) continue;
    if (lastSign !== 0 && sign !== lastSign) changes++;
    lastSign = sign;
  }
  return changes;
}

/** `oneRoot`: the flows change sign once (see signChanges), so a climb away from the only root can be given up. */
function newton(terms: readonly Term[], guess: Decimal, oneRoot: boolean): Decimal | null {
  let rate = guess;
  // The value's sign at rates above all others: the first moment's flows alone, every later one discounted to nothing.
  const farSign = terms.filter((term) => term.days.isZero()).reduce((sum, term) => sum.plus(term.amount), new Decimal(0)).comparedTo(0);
  for (let step = 0; step < MAX_NEWTON_STEPS; step++) {
    const factor = rate.plus(1);
    if (!factor.gt(0)) return null;
    const { value, slope } = npv(terms, factor);
    if (value.isZero()) return rate;
    if (slope.isZero() || !slope.isFinite() || !value.isFinite()) return null;
    const next = rate.minus(value.div(slope));
    // Climbing where the value already has the sign it keeps up to the highest rates: the root is below (flows
    // that change sign once have one), and Newton is running away from it. Flows that change sign more often
    // may have a root above, the value rising toward it (-100, +230, -132.16: 0.12 and 0.18, both between two
    // rates of the grid); Newton is left to find it. It crept on to rates
    // of 1e396 in a hundred ever costlier steps (seconds, for a weekly deposit of twenty years); the
    // bisection finds the root.
    if (oneRoot && next.gt(rate) && value.comparedTo(0) === farSign) return null;
    // No rate above the grid's highest is answered (the bisection could not bracket one there either): past it
    // Newton only climbs, each step as costly as the flows are many (5,000 flows within an hour: seconds for null).
    if (next.gt(HIGHEST_RATE)) return null;
    if (next.minus(rate).abs().lt(STEP_TOLERANCE)) return next.plus(1).gt(0) ? next : null;
    rate = next;
  }
  return null;
}

function bisection(terms: readonly Term[]): Decimal | null {
  // Each grid rate's sign is asked once (a rate is the high end of one pair and the low end of the next).
  let lowSign = npv(terms, BRACKET_GRID[0]!.plus(1)).value.comparedTo(0);
  if (lowSign === 0) return BRACKET_GRID[0]!;
  for (let i = 0; i + 1 < BRACKET_GRID.length; i++) {
    const highSign = npv(terms, BRACKET_GRID[i + 1]!.plus(1)).value.comparedTo(0);
    if (highSign !== lowSign) return bracketedRoot(terms, BRACKET_GRID[i]!, BRACKET_GRID[i + 1]!, lowSign);
    lowSign = highSign;
  }
  return null;
}

/**
 * The rate between `low` and `high` where the value's sign changes (it is `lowSign` at `low` and not at
 * `high`): Newton's step wherever it lands inside the bracket and at least halves the step before last,
 * else the bracket's middle (as a bisection would take), each evaluation narrowing the bracket. A handful
 * of evaluations where a bisection alone took fifty, each as costly as the flows are many.
 */
function bracketedRoot(terms: readonly Term[], low: Decimal, high: Decimal, lowSign: number): Decimal {
  let rate = low.plus(high).div(2);
  let step = high.minus(low);
  let stepBefore = step;
  for (let i = 0; i < MAX_BISECTION_STEPS; i++) {
    const { value, slope } = npv(terms, rate.plus(1));
    const sign = value.comparedTo(0);
    if (sign === 0) return rate;
    if (sign === lowSign) low = rate;
    else high = rate;
    const newton = slope.isZero() || !slope.isFinite() ? null : rate.minus(value.div(slope));
    const takesNewton = newton !== null && newton.gt(low) && newton.lt(high) && value.abs().mul(2).lte(stepBefore.mul(slope).abs());
    stepBefore = step;
    step = takesNewton ? rate.minus(newton).abs() : high.minus(low).div(2);
    rate = takesNewton ? newton : low.plus(high).div(2);
    if (!step.gt(STEP_TOLERANCE)) return rate;
  }
  return low.plus(high).div(2);
}

/**
 * Bisection on the growth factor between 0.000001 and 0, for roots the rate grid cannot hold: a short
 * period's loss came back null (no solution) while a gain as short had its huge rate. Such a root is −1
 * to the 12 decimals kept, as it is: the loss, annualised, is all but total.
 */
function bisectionNearTotalLoss(terms: readonly Term[]): Decimal | null {
  // Each bracket's ends are its neighbours' too: their signs are asked once (an evaluation costs a pass over every flow).
  const endSigns = new Map<Decimal, number>();
  const sign = (factor: Decimal) => {
    let known = endSigns.get(factor);
    if (known === undefined) {
      known = npv(terms, factor).value.comparedTo(0);
      if (TOTAL_LOSS_FACTORS.includes(factor)) endSigns.set(factor, known);
    }
    return known;
  };
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
