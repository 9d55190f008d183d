import { Clock, systemClock, TimerHandle } from './clock';

/** A boundary at which no round ran, and why. */
export interface RoundGap {
  roundTime: Date;
  reason: string;
}

/** A round was still running when this boundary came. */
export const GAP_PREVIOUS_ROUND_OVERRAN = 'previous round overran';
/** The timer fired after a later boundary had come (blocked event loop, suspended host, clock stepped forward). */
export const GAP_TIMER_FIRED_LATE = 'timer fired late';

export interface RoundScheduleOptions {
  /** Rounds start at every multiple of this many milliseconds since the Unix epoch (UTC). */
  intervalMs: number;
  /** Defaults to {@link systemClock}. */
  clock?: Clock;
  /** Ingests one round; `roundTime` is the boundary, not the moment the timer fired. */
  run(roundTime: Date): Promise<void>;
  /**
   * Records a boundary at which no round ran. A round whose `run` failed is not a
   * gap: it did run, and recording its failure is `run`'s job.
   */
  onGap(gap: RoundGap): void | Promise<void>;
  /** Told when `run` or `onGap` throws; the schedule goes on either way. Defaults to console.error. */
  onError?(error: unknown, roundTime: Date): void;
}

/** Node fires longer timeouts after 1 ms; longer waits are re-armed in steps instead. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * Runs a round at every wall-clock multiple of the interval, one round at a time.
 *
 * Every timer is computed from the clock when it is set (next boundary minus now),
 * so timer error never accumulates. Boundaries that pass while a round runs, or
 * before a late timer fires, are reported to `onGap`; the schedule then carries
 * on at the next boundary. Boundaries before `start()` are not this schedule's
 * gaps (IngestionRunner records those no replica ran when it starts ingesting).
 */
export class RoundSchedule {
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private readonly onError: (error: unknown, roundTime: Date) => void;
  private timer: { handle: TimerHandle } | null = null;
  private active: Promise<void> | null = null;
  private started = false;

  constructor(private readonly options: RoundScheduleOptions) {
    if (!Number.isSafeInteger(options.intervalMs) || options.intervalMs <= 0) {
      throw new RangeError(`intervalMs must be a positive integer, got ${options.intervalMs}`);
    }
    this.intervalMs = options.intervalMs;
    this.clock = options.clock ?? systemClock;
    this.onError =
      options.onError ?? ((error, roundTime) => console.error(`round ${roundTime.toISOString()} failed`, error));
  }

  /** Arms the timer for the next boundary. Throws if already started or not yet stopped. */
  start(): void {
    if (this.started) throw new Error('RoundSchedule is already started');
    if (this.active) throw new Error('RoundSchedule is still stopping; await stop() first');
    this.started = true;
    this.arm(this.boundaryAfter(this.clock.now()));
  }

  /**
   * Cancels the next round and waits for the running one, including reporting
   * the boundaries it overran. No timer is left behind.
   */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) this.clock.clearTimeout(this.timer.handle);
    this.timer = null;
    await this.active;
  }

  private boundaryAfter(time: number): number {
    return Math.floor(time / this.intervalMs) * this.intervalMs + this.intervalMs;
  }

  private arm(boundary: number): void {
    const delay = Math.min(Math.max(0, boundary - this.clock.now()), MAX_TIMER_DELAY_MS);
    this.timer = { handle: this.clock.setTimeout(() => this.fire(boundary), delay) };
  }

  private fire(boundary: number): void {
    this.timer = null;
    if (!this.started) return;
    const now = this.clock.now();
    // Some platforms fire a few ms early; running now would stamp a round before its time.
    if (now < boundary) return this.arm(boundary);
    this.active = this.round(boundary, now).then((next) => {
      this.active = null;
      if (this.started && next !== null) this.arm(next);
    });
  }

  /** Runs one round and reports the gaps around it; resolves to the next boundary, or null when stopped. */
  private async round(scheduled: number, firedAt: number): Promise<number | null> {
    // A timer late past a later boundary runs that later one, so data is never stamped with a time long gone.
    const roundTime = Math.floor(firedAt / this.intervalMs) * this.intervalMs;
    await this.reportGaps(scheduled, roundTime, GAP_TIMER_FIRED_LATE);
    if (!this.started) return null;
    await this.guard(() => this.options.run(new Date(roundTime)), roundTime);
    // max(): should the clock step back during the round, a roundTime is still never repeated.
    const next = Math.max(this.boundaryAfter(this.clock.now()), roundTime + this.intervalMs);
    await this.reportGaps(roundTime + this.intervalMs, next, GAP_PREVIOUS_ROUND_OVERRAN);
    return next;
  }

  /** Reports every boundary in [from, to). */
  private async reportGaps(from: number, to: number, reason: string): Promise<void> {
    for (let time = from; time < to; time += this.intervalMs) {
      await this.guard(() => this.options.onGap({ roundTime: new Date(time), reason }), time);
    }
  }

  /** Nothing the caller supplies may end the schedule: its errors go to onError. */
  private async guard(work: () => void | Promise<void>, roundTime: number): Promise<void> {
    try {
      await work();
    } catch (error) {
      try {
        this.onError(error, new Date(roundTime));
      } catch {
        // An onError that throws has nowhere left to report to; the schedule must still go on.
      }
    }
  }
}
