import { Migration } from '@mikro-orm/migrations';

/**
 * What was spent of the alert budget is forgotten a day later by housekeeping, for every account at
 * once (the writer forgot only the rows of accounts whose budgeted strategies fired again: those of an
 * account with ONCE strategies only, or one that stopped firing, stayed for good). That deletion
 * looks rows up by time alone, which the (owner_id, triggered_at) index cannot do without reading it whole.
 */
export class Migration20261206000800_alert_budget_spent_by_time extends Migration {
  override up(): void {
    this.addSql('CREATE INDEX alert_budget_spent_time_idx ON alert_budget_spent (triggered_at)');
  }
}
