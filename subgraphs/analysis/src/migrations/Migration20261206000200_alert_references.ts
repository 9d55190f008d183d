import { Migration } from '@mikro-orm/migrations';

/**
 * Deleting a strategy (or an account's strategies) deletes its alerts, and each alert its
 * notifications and deliveries: without an index on alert_id PostgreSQL scanned both tables
 * once per alert (28 s for a strategy of 500 alerts beside 200,000 notifications and deliveries).
 * Built inside the migrations' transaction, so writes to the two tables wait for the build.
 */
export class Migration20261206000200_alert_references extends Migration {
  override up(): void {
    this.addSql('CREATE INDEX notifications_alert_idx ON notifications (alert_id)');
    this.addSql('CREATE INDEX deliveries_alert_idx ON deliveries (alert_id)');
  }
}
