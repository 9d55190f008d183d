/** Whatever a {@link Clock}'s `setTimeout` returns; only that clock's `clearTimeout` understands it. */
export type TimerHandle = unknown;

/**
 * Wall-clock time and one-shot timers, injectable so that schedules can be
 * tested with a fake clock that moves only when the test says so.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch (UTC), like `Date.now()`. */
  now(): number;
  /** Calls `fn` once, about `ms` milliseconds from now (possibly a little early or late). */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: `Date.now()` and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  // Only handles made by the setTimeout above reach here.
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
