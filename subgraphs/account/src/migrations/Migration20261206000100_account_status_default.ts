import { Migration } from '@mikro-orm/migrations';

/**
 * A new account is PENDING, as the entity says: the column now says so too, so the
 * schema the migrations build is the one the entity describes (see schema-drift.test).
 */
export class Migration20261206000100_account_status_default extends Migration {
  override up(): void {
    // A default is catalogue-only: no table rewrite.
    this.addSql(`ALTER TABLE accounts ALTER COLUMN status SET DEFAULT 'PENDING'`);
  }
}
