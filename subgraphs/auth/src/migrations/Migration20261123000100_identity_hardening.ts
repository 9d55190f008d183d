import { Migration } from '@mikro-orm/migrations';

export class Migration20261123000100_identity_hardening extends Migration {
  override up(): void {
    // Login names are unique here as they are in the account subgraph. Copies that
    // collide can only come from the resurrection defect this release fixes: keep
    // the most recently updated one, the others sign in no more.
    this.addSql(`DELETE FROM credentials c USING credentials newer
      WHERE c.account_id <> newer.account_id
        AND (lower(c.username) = lower(newer.username) OR lower(c.email) = lower(newer.email))
        AND (c.updated_at, c.account_id) < (newer.updated_at, newer.account_id)`);
    this.addSql('DROP INDEX credentials_username_idx');
    this.addSql('DROP INDEX credentials_email_idx');
    this.addSql('CREATE UNIQUE INDEX credentials_username_key ON credentials (lower(username))');
    this.addSql('CREATE UNIQUE INDEX credentials_email_key ON credentials (lower(email))');
    // Setup tokens issued before this are refused.
    this.addSql('ALTER TABLE credentials ADD COLUMN password_changed_at timestamptz');
    // Deleted accounts stay known, so nothing issued for them before deletion brings them back.
    this.addSql(`CREATE TABLE deleted_accounts (
      account_id uuid PRIMARY KEY,
      deleted_at timestamptz NOT NULL DEFAULT now()
    )`);
    this.addSql('INSERT INTO deleted_accounts (account_id) SELECT DISTINCT account_id FROM used_setup_tokens u WHERE NOT EXISTS (SELECT 1 FROM credentials c WHERE c.account_id = u.account_id)');
    this.addSql('CREATE INDEX used_setup_tokens_expires_at_idx ON used_setup_tokens (expires_at)');
    this.addSql('CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at)');
    // Login attempts are counted in rate_limits now (per account and client, atomically).
    this.addSql('DROP TABLE login_throttles');
  }
}
