import { seededGaussian } from './seeded-noise';

// Bound once, like in seeded-noise.ts: global lookups are slow inside vm contexts (Jest).
const { abs, exp, expm1, floor, max, min, sqrt } = Math;

/** One step of the series: a second. Times within a second share a value. */
const STEP_MS = 1000;
/** 2^36 one-second steps from the Unix epoch reach beyond the year 4000. */
const LEVELS = 36;
const SPAN = 2 ** LEVELS;
const STEP_YEARS = STEP_MS / (365.25 * 86_400_000);
/** Remembered descents: one per time a round asks about (now, an hour ago, a day ago). */
const PATHS = 3;

/** How a seeded Ornstein–Uhlenbeck series is drawn. */
export interface OuProcessOptions {
  /** Hash of the seed and the series' name: same key, same series. */
  key: number;
  /** Mean-reversion time in years: shorter keeps the series closer to 0. */
  reversionYears: number;
  /** Time (ms since the Unix epoch) at which the series is pinned to exactly 0, if any. */
  anchorMs?: number;
}

/**
 * A stationary Ornstein–Uhlenbeck process dX = −X/τ dt + dW (unit volatility
 * per √year, stationary variance τ/2), sampled every second and computed from
 * its key and the time alone.
 *
 * Summing per-step increments since an epoch would cost millions of draws per
 * value, and a cache of the last step only helps when time runs forwards. This
 * draws the series like a Brownian bridge instead: the value at the midpoint of
 * an interval, given the values at its ends, is Gaussian with a known mean and
 * variance, so halving [0, 2^36] down to the wanted second takes 36 seeded
 * draws, each fixed by the midpoint it decides. Every value is exact for the
 * process, whatever was asked before and in whatever order. The last few
 * descents are remembered only to skip redrawing their shared top levels: a
 * value seconds away from a remembered one costs a handful of draws.
 */
export class SeededOuProcess {
  /** Per level: the weight r/(1+r²) of the two ends, and the midpoint's conditional standard deviation. */
  private readonly endWeight = new Float64Array(LEVELS + 1);
  private readonly midpointSd = new Float64Array(LEVELS + 1);
  private readonly tauYears: number;
  private readonly paths: BridgePath[];
  private uses = 0;
  private readonly anchor: { step: number; value: number } | null;

  constructor(private readonly options: OuProcessOptions) {
    const tau = options.reversionYears;
    this.tauYears = tau;
    const variance = tau / 2;
    const spanYears = SPAN * STEP_YEARS;
    const rootValue = sqrt(variance) * seededGaussian(options.key, 0);
    const farValue = exp(-spanYears / tau) * rootValue + sqrt(-variance * expm1((-2 * spanYears) / tau)) * seededGaussian(options.key, SPAN);
    for (let level = 1; level <= LEVELS; level++) {
      const halfYears = (SPAN / 2 ** level) * STEP_YEARS;
      const r = exp(-halfYears / tau);
      // expm1 keeps 1 − r² accurate when the half-interval is tiny next to τ.
      const oneMinusR2 = -expm1((-2 * halfYears) / tau);
      this.endWeight[level] = r / (1 + r * r);
      this.midpointSd[level] = sqrt((variance * oneMinusR2) / (1 + r * r));
    }
    this.paths = Array.from({ length: PATHS }, () => new BridgePath(rootValue, farValue));
    const anchorStep = options.anchorMs === undefined ? null : toStep(options.anchorMs);
    this.anchor = anchorStep === null ? null : { step: anchorStep, value: this.free(anchorStep) };
  }

  /** The series' value at `timeMs` (ms since the Unix epoch). */
  at(timeMs: number): number {
    const step = toStep(timeMs);
    const value = this.free(step);
    if (!this.anchor) return value;
    // Subtracting E[X(t) | X(anchor)] gives exactly the process conditioned on X(anchor) = 0.
    const distanceYears = abs(step - this.anchor.step) * STEP_YEARS;
    return value - exp(-distanceYears / this.tauYears) * this.anchor.value;
  }

  private free(step: number): number {
    const path = this.closestPath(step);
    let level = path.depth(step);
    let low = path.low[level];
    let high = path.high[level];
    let lowValue = path.lowValue[level];
    let highValue = path.highValue[level];
    while (step !== low && step !== high) {
      level++;
      const middle = (low + high) / 2;
      const value = this.endWeight[level] * (lowValue + highValue) + this.midpointSd[level] * seededGaussian(this.options.key, middle);
      if (step < middle) {
        high = middle;
        highValue = value;
      } else {
        low = middle;
        lowValue = value;
      }
      path.set(level, low, high, lowValue, highValue);
    }
    return step === low ? lowValue : highValue;
  }

  /** The remembered descent that shares the most levels with `step`'s (the least recently used one when none does). */
  private closestPath(step: number): BridgePath {
    let best = this.paths[0];
    let bestDepth = -1;
    for (const path of this.paths) {
      const depth = path.depth(step);
      if (depth > bestDepth || (depth === bestDepth && path.usedAt < best.usedAt)) {
        best = path;
        bestDepth = depth;
      }
    }
    best.usedAt = ++this.uses;
    return best;
  }
}

/**
 * One descent through the bridge: the interval and end values at each level.
 * A round asks for now, an hour ago and a day ago; keeping one descent for each
 * lets the next round (seconds later) reuse all but the last few levels.
 */
class BridgePath {
  readonly low = new Float64Array(LEVELS + 1);
  readonly high = new Float64Array(LEVELS + 1);
  readonly lowValue = new Float64Array(LEVELS + 1);
  readonly highValue = new Float64Array(LEVELS + 1);
  /** Levels 0..filled are valid. */
  private filled = 0;
  usedAt = 0;

  constructor(rootValue: number, farValue: number) {
    this.set(0, 0, SPAN, rootValue, farValue);
  }

  set(level: number, low: number, high: number, lowValue: number, highValue: number): void {
    this.low[level] = low;
    this.high[level] = high;
    this.lowValue[level] = lowValue;
    this.highValue[level] = highValue;
    this.filled = level;
  }

  /** The deepest valid level whose interval contains `step`. */
  depth(step: number): number {
    let level = this.filled;
    while (level > 0 && (step < this.low[level] || step > this.high[level])) level--;
    return level;
  }
}

function toStep(timeMs: number): number {
  return min(SPAN, max(0, floor(timeMs / STEP_MS)));
}
