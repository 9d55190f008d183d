import { Migration } from '@mikro-orm/migrations';

/**
 * The table rate-limiter-flexible's PostgreSQL limiter keeps its counters in
 * (its own schema: `expire` is a Unix time in milliseconds). Created by a
 * migration rather than by the library at run time, like every other table.
 */
export class RateLimitTableMigration extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE IF NOT EXISTS rate_limits (
      key varchar(255) PRIMARY KEY,
      points integer NOT NULL DEFAULT 0,
      expire bigint
    )`);
  }
}

export const rateLimitTableMigration = { name: 'Migration00000000000001_rate_limits', class: RateLimitTableMigration };
