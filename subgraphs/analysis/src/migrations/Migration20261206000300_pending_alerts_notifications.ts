import { Migration } from '@mikro-orm/migrations';

/**
 * `alerts(unacknowledgedOnly: true)` and `notifications(unreadOnly: true)` find the few rows still
 * pending among an owner's history: with only the owner's full index, PostgreSQL scanned the whole
 * table (41 ms and 28 ms over 500,000 rows, growing with every owner's history). These hold only the
 * pending rows, in the lists' order, so a page is a short index walk. Small: handled rows leave them.
 */
export class Migration20261206000300_pending_alerts_notifications extends Migration {
  override up(): void {
    this.addSql('CREATE INDEX alerts_unacknowledged_idx ON alerts (owner_id, triggered_at DESC, id DESC) WHERE NOT acknowledged');
    this.addSql('CREATE INDEX notifications_unread_idx ON notifications (owner_id, created_at DESC, id DESC) WHERE read_at IS NULL');
  }
}
