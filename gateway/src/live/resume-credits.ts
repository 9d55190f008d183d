import { createHash } from 'node:crypto';
import { DocumentNode, print } from 'graphql';
import { RateLimiterAbstract } from 'rate-limiter-flexible';
import { Logger } from '@herck/common';
import { sortedKeys } from './shared-subscriptions';

/** How long a subscription the gateway ended may start again without spending its caller's budget. */
export const RESUME_WINDOW_SECONDS = 60;

/** What a resumed subscription has in common with the one it resumes: the account, the document, its variables. */
export function resumeKey(accountId: string, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>): string {
  return createHash('sha256')
    .update(JSON.stringify([accountId, print(document), operationName ?? null, sortedKeys(variables)]))
    .digest('hex');
}

/**
 * Subscriptions the gateway ended itself (the access token expired, the session ended, auth could
 * not be asked whether it stands, the gateway stopped), which their client starts again as soon as
 * it has reconnected: each leaves a credit under its key for at least RESUME_WINDOW_SECONDS, and a
 * subscription that starts with that key takes one instead of an operation of the caller's budget.
 * Without them, a dashboard of 40 subscriptions spent 40 of a USER's 60 operations a minute at
 * every token renewal.
 *
 * The credits are counted where the operation counts are (Redis, or the process supervising the
 * gateway workers, or memory): the client may reconnect to another worker or replica. A count
 * expires a fixed time after its first change, whatever is added later, so each credit goes under
 * its key and the window-long period it was granted in (see `periodCounts`): a count lives two
 * windows from its first credit, so every credit in it lasts at least the window (at most two), and
 * a credit added to a key that already held some gets its own window. Each count holds no more
 * than the subscriptions that were open (bounded per connection and per account), so memory stays
 * bounded. A credit store that cannot be reached costs the client its operations, as before, never
 * an error.
 */
export class ResumeCredits {
  private lastWarning = 0;

  /** Keys whose credit was given back (see `giveBack`), with when that stops mattering (the credit has expired by then). */
  private readonly givenBack = new Map<string, number>();

  private readonly counts: RateLimiterAbstract;

  constructor(
    /** Counts lasting `durationSeconds`, whose consumed points are minus the credits (rate-limiter-flexible's reward and penalty). */
    counts: (durationSeconds: number) => RateLimiterAbstract,
    private readonly logger: Logger,
  ) {
    this.counts = counts(2 * RESUME_WINDOW_SECONDS);
  }

  /**
   * The gateway is ending these subscriptions (one key each, repeated for identical ones). The
   * credits are sent to their store before this returns (rate-limiter-flexible sends at once): what
   * is sent to the store over the same connection afterwards finds them.
   */
  async grant(keys: readonly string[]): Promise<void> {
    const perKey = new Map<string, number>();
    for (const key of keys) perKey.set(key, (perKey.get(key) ?? 0) + 1);
    await Promise.all(
      [...perKey].map(async ([key, count]) => {
        try {
          await this.counts.reward(this.periodCounts(key).current, count);
        } catch (error) {
          this.warn('subscriptions ended by the gateway could not be recorded; resuming them will cost operations', error);
        }
      }),
    );
  }

  /**
   * A start took the credit under `key` but failed before it ran: the credit is given back, once.
   * A start that keeps failing (planning fails at every try) was given its credit back for ever
   * before, each retry renewing it: the client retried without ever spending its operations. Kept
   * in this process for as long as the credit given back may last (two windows): a client moving
   * to another worker or gateway gets it back at most once there too, still a bound.
   */
  async giveBack(key: string): Promise<void> {
    const now = Date.now();
    // In the order they were given back, so the expired ones come first.
    for (const [given, until] of this.givenBack) {
      if (until > now) break;
      this.givenBack.delete(given);
    }
    if (this.givenBack.has(key)) return;
    this.givenBack.set(key, now + 2 * RESUME_WINDOW_SECONDS * 1000);
    await this.grant([key]);
  }

  /** Whether a subscription with `key` resumes one the gateway ended (its credit is then used up). */
  async take(key: string): Promise<boolean> {
    try {
      // The older period first: its credits are the first to expire.
      const { previous, current } = this.periodCounts(key);
      const counts = [previous, current];
      // Read first: a new subscription (no credit) costs one round trip and leaves no key behind.
      const held = await Promise.all(counts.map((count) => this.counts.get(count)));
      for (const [i, count] of counts.entries()) {
        if (!held[i] || held[i].consumedPoints >= 0) continue;
        const result = await this.counts.penalty(count, 1);
        if (result.consumedPoints <= 0) return true;
        // Another start took the last credit meanwhile: the point taken is given back, so that a credit granted later counts in full.
        await this.counts.reward(count, 1);
      }
      return false;
    } catch (error) {
      this.warn('resumed subscriptions could not be checked; they cost operations', error);
      return false;
    }
  }

  /**
   * The counts a key's credits may be in now: the previous window-long period's and the current one's
   * (credits are granted into the current one). A credit granted at any time in a period is found
   * there for the rest of it and all of the next, so for at least the window; the period's count
   * expires two windows after its first credit, which is no earlier than the next period's end.
   * Gateways agree on periods as far as their clocks agree (as they must for the tokens' expiry).
   */
  private periodCounts(key: string): { previous: string; current: string } {
    const period = Math.floor(Date.now() / (RESUME_WINDOW_SECONDS * 1000));
    return { previous: `${key}:${period - 1}`, current: `${key}:${period}` };
  }

  /** At most one warning a minute: an outage must not flood the log. */
  private warn(message: string, error: unknown): void {
    if (Date.now() - this.lastWarning < 60_000) return;
    this.lastWarning = Date.now();
    this.logger.warn(message, { error });
  }
}
