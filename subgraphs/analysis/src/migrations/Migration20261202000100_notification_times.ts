import { Migration } from '@mikro-orm/migrations';

/**
 * Notifications are paged by (created_at, id) with cursors that carry
 * JavaScript's milliseconds, while `now()` writes microseconds: every
 * notification raised in one transaction shares a time the cursor cannot
 * name, so the page after the first of them came back empty. Stored to the
 * millisecond, the time a cursor carries is the time stored.
 */
export class Migration20261202000100_notification_times extends Migration {
  override up(): void {
    this.addSql('ALTER TABLE notifications ALTER COLUMN created_at TYPE timestamptz(3)');
  }
}
