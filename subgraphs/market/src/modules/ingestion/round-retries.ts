import { setTimeout as wait } from 'node:timers/promises';

/** The wait before a first retry in a round: long enough for a blip to pass, short beside any interval. */
export const FIRST_RETRY_MS = 250;

/** How a round tries something again after a failure that may pass. */
export interface RetryPolicy {
  /** Attempts in all, the first included: 1 tries once. */
  attempts: number;
  /** The wait before the first retry; each further one doubles it, less up to half at random. */
  firstRetryMs: number;
}

/** What the round is told of each retry, for its log. */
export interface RetryNotice {
  attempt: number;
  reason: string;
  waitMs: number;
}

/** When and how often a round tries again, and what it is told of each retry. */
export interface RetryWithin {
  /** Whether a failure may not repeat; anything else fails at once. */
  mayPass: (error: unknown) => boolean;
  policy: RetryPolicy;
  /** No wait may end later (ms since the epoch). */
  deadlineAt: number;
  /** Calls the attempts off (the provider's time for the round is up); none when only the deadline bounds them. */
  signal?: AbortSignal;
  onRetry: (notice: RetryNotice) => void;
}

/** The result, and on which attempt it came. */
export interface Succeeded<T> {
  value: T;
  attempts: number;
}

/** The last failure after `attempts` tries; `failure` is what the last attempt threw. */
export class GaveUp extends Error {
  constructor(
    readonly failure: unknown,
    readonly attempts: number,
  ) {
    super(failure instanceof Error ? failure.message : String(failure));
    this.name = 'GaveUp';
  }
}

/**
 * Runs `attempt`, and again after a failure `mayPass` says may not repeat,
 * with a doubling, jittered wait, while the wait ends before `deadlineAt`
 * and `signal` has not called the attempts off: a blip (a provider's 502, a
 * dropped database connection) no longer costs the round, and what stays
 * down delays it by the waits at most. Anything else fails at once: it would
 * come back the same.
 */
export async function retryWithinRound<T>(attempt: () => Promise<T>, { mayPass, policy, deadlineAt, signal, onRetry }: RetryWithin): Promise<Succeeded<T>> {
  for (let attempts = 1; ; attempts += 1) {
    try {
      return { value: await attempt(), attempts };
    } catch (error) {
      const waitMs = Math.round(policy.firstRetryMs * 2 ** (attempts - 1) * (1 - Math.random() / 2));
      const again = mayPass(error) && attempts < policy.attempts && !signal?.aborted && Date.now() + waitMs < deadlineAt;
      if (!again) throw new GaveUp(error, attempts);
      onRetry({ attempt: attempts, reason: error instanceof Error ? error.message : String(error), waitMs });
      // The time running out during the wait ends the attempts with this failure.
      const waited = await wait(waitMs, true, { signal }).catch(() => false);
      if (!waited) throw new GaveUp(error, attempts);
    }
  }
}
