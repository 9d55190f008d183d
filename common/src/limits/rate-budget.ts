import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { Orm } from '../database/open-orm';

export const RATE_LIMIT_TABLE = 'rate_limits';

export interface BudgetSettings {
  /** A name of its own, so budgets sharing the table never share keys. */
  name: string;
  /** Uses allowed per window. */
  points: number;
  /** The window; a key's count is forgotten when it ends. */
  windowSeconds: number;
}

/** `firstRefusal`: the first use refused in this window (the one moment to report a spent budget). */
export type BudgetOutcome = { allowed: true } | { allowed: false; retryAfterSeconds: number; firstRefusal: boolean };

/**
 * A number of uses per key and window, counted in the service's own
 * PostgreSQL (rate-limiter-flexible), so every replica shares it. Taking a use
 * is one atomic upsert that returns the new count: of concurrent callers,
 * exactly `points` get through.
 */
export class RateBudget {
  private readonly limiter: RateLimiterPostgres;
  private readonly points: number;

  constructor(orm: Orm, settings: BudgetSettings) {
    this.points = settings.points;
    this.limiter = new RateLimiterPostgres({
      storeClient: orm.em.getConnection().getKnex(),
      storeType: 'knex',
      tableName: RATE_LIMIT_TABLE,
      tableCreated: true,
      // Expired rows are deleted by the service's housekeeping, not by a timer per budget.
      clearExpiredByTimeout: false,
      keyPrefix: settings.name,
      points: settings.points,
      duration: settings.windowSeconds,
    });
  }

  /** Takes one use for `key`; refused once the window's uses are spent. */
  async take(key: string): Promise<BudgetOutcome> {
    try {
      await this.limiter.consume(key);
      return { allowed: true };
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)), firstRefusal: rejection.consumedPoints === this.points + 1 };
    }
  }

  /** Gives one use back (an attempt that turned out not to count). */
  async giveBack(key: string): Promise<void> {
    await this.limiter.reward(key, 1);
  }

  /** Forgets the key's uses. */
  async reset(key: string): Promise<void> {
    await this.limiter.delete(key);
  }
}

/** Deletes counters whose window has ended; returns how many. */
export async function deleteExpiredRateLimits(orm: Orm, now = new Date()): Promise<number> {
  const knex = orm.em.getConnection().getKnex();
  return knex(RATE_LIMIT_TABLE).where('expire', '<', now.getTime()).delete();
}
