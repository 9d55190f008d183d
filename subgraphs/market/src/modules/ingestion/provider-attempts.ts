import { setTimeout as wait } from 'node:timers/promises';
import { ProviderError, ProviderRound } from '../provider/market-provider';

/** The wait before a provider's first retry in a round: long enough for a blip to pass, short beside any interval. */
export const FIRST_RETRY_MS = 250;

/** How a round asks one provider again after a failure that may pass. */
export interface RetryPolicy {
  /** Attempts in all, the first included: 1 asks once. */
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

/** The answer, and on which attempt it came. */
export interface AnsweredRound {
  round: ProviderRound;
  attempts: number;
}

/** A provider's last failure after `attempts` tries; the error is what it threw. */
export class ProviderGaveUp extends Error {
  constructor(
    readonly failure: unknown,
    readonly attempts: number,
  ) {
    super(failure instanceof Error ? failure.message : String(failure));
    this.name = 'ProviderGaveUp';
  }
}

/**
 * Asks a provider for the round, and again after a transient failure (the
 * network, a request that timed out, a server error without Retry-After) with
 * a doubling, jittered wait, while the wait ends before the provider's time
 * for the round is up: a blip at a provider no longer costs the round its
 * prices, and a provider that is down delays the round by the waits at most.
 * Anything else is not asked again: a refused key, an error document or a
 * malformed answer would come back the same, and a 429 names its own wait
 * (Retry-After, honoured across rounds).
 */
export async function askWithRetries(ask: () => Promise<ProviderRound>, policy: RetryPolicy, deadlineAt: number, signal: AbortSignal, onRetry: (notice: RetryNotice) => void): Promise<AnsweredRound> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return { round: await ask(), attempts: attempt };
    } catch (error) {
      const waitMs = Math.round(policy.firstRetryMs * 2 ** (attempt - 1) * (1 - Math.random() / 2));
      const again = error instanceof ProviderError && error.transient && attempt < policy.attempts && !signal.aborted && Date.now() + waitMs < deadlineAt;
      if (!again) throw new ProviderGaveUp(error, attempt);
      onRetry({ attempt, reason: error.message, waitMs });
      // The provider's time running out during the wait ends the round's asking with this failure.
      const waited = await wait(waitMs, true, { signal }).catch(() => false);
      if (!waited) throw new ProviderGaveUp(error, attempt);
    }
  }
}
