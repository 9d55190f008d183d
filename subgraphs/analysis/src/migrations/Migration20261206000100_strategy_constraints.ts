import { Migration } from '@mikro-orm/migrations';

/**
 * What the Strategy entity declares and the first migration left out: a strategy is
 * enabled unless said otherwise, and its trigger is one of the three modes (as
 * accounts.status is one of its statuses), so no other writer can store a fourth.
 */
export class Migration20261206000100_strategy_constraints extends Migration {
  override up(): void {
    // Catalogue-only; the check reads the table once (strategies are few per user, and every stored trigger is one of these).
    this.addSql('ALTER TABLE strategies ALTER COLUMN enabled SET DEFAULT true');
    this.addSql(`ALTER TABLE strategies ADD CONSTRAINT strategies_trigger_check CHECK (trigger IN ('ON_CROSS', 'ON_CLOSE', 'ONCE'))`);
  }
}
