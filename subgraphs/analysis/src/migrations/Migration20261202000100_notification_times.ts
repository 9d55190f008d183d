import { Migration } from '@mikro-orm/migrations';

/**
 * Notifications are paged by (created_at, id) with cursors that carry
 * JavaScript's milliseconds, while `now()` writes microseconds: every
 * notification raised in one transaction shares a time the cursor cannot
 * name, so the page after the first of them came back empty. Stored to the
 * millisecond, the time a cursor carries is the time stored.
 *
 * Stored times are cut to their millisecond, not rounded: the API showed them cut (a JavaScript
 * Date drops the microseconds), and rounding put half of them a millisecond later on upgrade.
 */
export class Migration20261202000100_notification_times extends Migration {
  override up(): void {
    this.addSql("ALTER TABLE notifications ALTER COLUMN created_at TYPE timestamptz(3) USING date_trunc('milliseconds', created_at)");
  }
}
