import { Logger } from './logger';

/** While a failure goes on, how often it is said again. */
const REPEAT_EVERY_MS = 60_000;

/**
 * The log lines of work retried until it succeeds (a relay, a consumer): the first failure in full,
 * then at most one line a minute while it goes on, and one when it succeeds again. A database away
 * for an hour is a few dozen lines per loop, not one a second with its stack.
 */
export class RepeatedFailure {
  private failures = 0;
  private lastSaid = 0;

  constructor(
    private readonly logger: Logger,
    /** What does the work, e.g. "outbox relay": it "failed; will retry", then is "working again". */
    private readonly what: string,
    private readonly fields: Record<string, unknown> = {},
    private readonly now: () => number = Date.now,
  ) {}

  failed(error: unknown): void {
    this.failures += 1;
    const now = this.now();
    if (this.failures > 1 && now - this.lastSaid < REPEAT_EVERY_MS) return;
    this.lastSaid = now;
    this.logger.error(`${this.what} failed; will retry`, { ...this.fields, ...(this.failures > 1 && { failures: this.failures }), error });
  }

  succeeded(): void {
    if (this.failures > 0) this.logger.info(`${this.what} working again`, { ...this.fields, failures: this.failures });
    this.failures = 0;
  }
}
