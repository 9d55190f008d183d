import { RateLimitedError } from '@herck/common';

/**
 * When a refused backtest may be asked again: about as long as the largest allowed backtest takes
 * (600,000 candles or a million ticks replayed in 3.5–5.7 s on a busy two-core machine, 6 December
 * 2026; MAX_BACKTEST_TICKS is now 1.1 million), after which one of the account's own has ended.
 */
export const BACKTEST_RETRY_AFTER_SECONDS = 6;

/**
 * The work of each account's backtests running or waiting, in backtests of the largest size allowed
 * (a backtest weighs its share of MAX_BACKTEST_CANDLES or of MAX_BACKTEST_TICKS, whichever is
 * larger). An account's backtests run one at a time, so those it queues beyond what ends within the
 * gateway's wait for analysis (SUBGRAPH_TIMEOUT_MS, 30 s) ended unanswered as SERVICE_UNAVAILABLE:
 * one that would take the account past `perAccount` is refused at once instead. Bounded by work, not
 * count: short backtests asked side by side weigh next to nothing and are never refused.
 */
export class BacktestWork {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly perAccount: number) {}

  /** Takes `work` for the account, or refuses it (RATE_LIMITED); the returned function gives it back. */
  admit(accountId: string, work: number): () => void {
    const held = this.inFlight.get(accountId) ?? 0;
    if (held + work > this.perAccount) {
      throw new RateLimitedError(
        `Your backtests running or waiting would replay more than ${this.perAccount} of the largest backtests allowed; ask again when one has ended`,
        BACKTEST_RETRY_AFTER_SECONDS,
      );
    }
    this.inFlight.set(accountId, held + work);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = (this.inFlight.get(accountId) ?? 0) - work;
      // Sums of fractions: what is left of an account with none in flight may be a rounding error.
      if (left <= 1e-9) this.inFlight.delete(accountId);
      else this.inFlight.set(accountId, left);
    };
  }

  /** The account's work running or waiting, in backtests of the largest size. */
  of(accountId: string): number {
    return this.inFlight.get(accountId) ?? 0;
  }
}
