import { Migration } from '@mikro-orm/migrations';

/**
 * Roles kept for accounts this service no longer has: the roles handler used to write the first
 * admin's even when its account was gone (deleted through the API), and such a row stayed for good.
 * The handler no longer does; this clears what it left. A first admin still configured gets its
 * roles written again when start-up makes its account.
 */
export class Migration20261206000300_account_roles_orphans extends Migration {
  override up(): void {
    this.addSql('DELETE FROM account_roles WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE accounts.id = account_roles.account_id)');
  }
}
