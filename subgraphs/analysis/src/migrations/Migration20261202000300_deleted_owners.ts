import { Migration } from '@mikro-orm/migrations';

/** Accounts deleted for good: a fill announced after the deletion opens no portfolio for them. */
export class Migration20261202000300_deleted_owners extends Migration {
  override up(): void {
    this.addSql('CREATE TABLE deleted_owners (id uuid PRIMARY KEY, deleted_at timestamptz NOT NULL DEFAULT now())');
  }
}
