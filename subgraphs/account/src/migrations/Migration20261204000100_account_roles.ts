import { Migration } from '@mikro-orm/migrations';

/**
 * Roles live in auth; account keeps a copy from `auth.roles-changed` (read from the start of the
 * bus, so accounts made admin before this table existed are in it) to refuse removing the last admin.
 */
export class Migration20261204000100_account_roles extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE account_roles (
      account_id uuid PRIMARY KEY,
      roles text[] NOT NULL
    )`);
  }
}
