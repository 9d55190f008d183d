import { Migration } from '@mikro-orm/migrations';

export class Migration20261123000100_identity_hardening extends Migration {
  override up(): void {
    // Login names are unique here as they are in the account subgraph. Copies that
    // collide can only come from the resurrection defect this release fixes, and
    // auth cannot tell the owner's from the revenant's: both go, with their
    // sessions. The owner's next account event brings the name back, and a
    // password reset the password.
    this.addSql(`CREATE TEMPORARY TABLE colliding ON COMMIT DROP AS
      SELECT DISTINCT c.account_id FROM credentials c JOIN credentials other
        ON c.account_id <> other.account_id
       AND (lower(c.username) = lower(other.username) OR lower(c.email) = lower(other.email))`);
    this.addSql('DELETE FROM refresh_tokens WHERE account_id IN (SELECT account_id FROM colliding)');
    this.addSql('DELETE FROM credentials WHERE account_id IN (SELECT account_id FROM colliding)');
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
