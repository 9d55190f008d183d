import { Migration } from '@mikro-orm/migrations';

/** Accounts deleted for good: no order may be placed for them afterwards (see account-events.handler). */
export class Migration20261202000200_deleted_owners extends Migration {
  override up(): void {
    this.addSql('CREATE TABLE deleted_owners (id uuid PRIMARY KEY, deleted_at timestamptz NOT NULL DEFAULT now())');
  }
}
