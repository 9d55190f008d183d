import { Migration } from '@mikro-orm/migrations';

/**
 * Webhooks and mails are leased in passes of their own: each pass finds its channel's due
 * deliveries without walking the other's (a stalled mail server leaves a day of mails due).
 */
export class Migration20261205000400_deliveries_by_channel extends Migration {
  override up(): void {
    this.addSql("CREATE INDEX deliveries_due_by_channel_idx ON deliveries (channel, next_attempt_at) WHERE status = 'PENDING'");
    this.addSql('DROP INDEX deliveries_due_idx');
  }
}
