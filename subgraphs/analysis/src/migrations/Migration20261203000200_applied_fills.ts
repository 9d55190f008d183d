import { Migration } from '@mikro-orm/migrations';

/**
 * The fills already applied, kept apart from the transactions they made: a portfolio deleted
 * takes its transactions with it, and a fill announced again afterwards found no trace of itself
 * (it opened a new default portfolio holding that one order).
 */
export class Migration20261203000200_applied_fills extends Migration {
  override up(): void {
    this.addSql('CREATE TABLE applied_fills (order_id text PRIMARY KEY, owner_id uuid NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    this.addSql('CREATE INDEX applied_fills_owner_idx ON applied_fills (owner_id)');
    this.addSql(
      `INSERT INTO applied_fills (order_id, owner_id)
       SELECT t.source_id, p.owner_id FROM portfolio_transactions t JOIN portfolios p ON p.id = t.portfolio_id WHERE t.source_id IS NOT NULL`,
    );
  }
}
