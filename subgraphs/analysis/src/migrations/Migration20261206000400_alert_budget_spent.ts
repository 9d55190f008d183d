import { Migration } from '@mikro-orm/migrations';

/**
 * The alert budget (ALERTS_PER_ACCOUNT_PER_HOUR) was counted from `alerts`, which go with their
 * strategy: deleting the strategies that spent an hour's budget and making new ones gave it back
 * whole. Each stored alert is also recorded here, by owner and time only, so a deletion leaves
 * what was spent (the budget's writer forgets rows a day old; the account's deletion takes them).
 * Filled from the alerts of the last day, so the upgrade does not give the budget back either.
 */
export class Migration20261206000400_alert_budget_spent extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE alert_budget_spent (
      owner_id uuid NOT NULL,
      triggered_at timestamptz NOT NULL
    )`);
    this.addSql('CREATE INDEX alert_budget_spent_owner_idx ON alert_budget_spent (owner_id, triggered_at)');
    this.addSql(`INSERT INTO alert_budget_spent (owner_id, triggered_at) SELECT owner_id, triggered_at FROM alerts WHERE triggered_at > now() - interval '1 day'`);
  }
}
