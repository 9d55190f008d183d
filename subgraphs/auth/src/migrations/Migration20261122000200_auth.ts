import { Migration } from '@mikro-orm/migrations';

export class Migration20261122000200_auth extends Migration {
  override up(): void {
    // The auth view of every account, kept current from `account.*` events.
    this.addSql(`CREATE TABLE credentials (
      account_id uuid PRIMARY KEY,
      username text NOT NULL,
      email text NOT NULL,
      status text NOT NULL,
      account_version integer NOT NULL,
      password_hash text,
      roles text[] NOT NULL DEFAULT '{USER}',
      last_login_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    this.addSql('CREATE INDEX credentials_username_idx ON credentials (lower(username))');
    this.addSql('CREATE INDEX credentials_email_idx ON credentials (lower(email))');
    this.addSql(`CREATE TABLE used_setup_tokens (
      token_id uuid PRIMARY KEY,
      account_id uuid NOT NULL,
      expires_at timestamptz NOT NULL
    )`);
    this.addSql(`CREATE TABLE refresh_tokens (
      id uuid PRIMARY KEY,
      family_id uuid NOT NULL,
      account_id uuid NOT NULL,
      token_hash text NOT NULL UNIQUE,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      revoked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    this.addSql('CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id)');
    this.addSql('CREATE INDEX refresh_tokens_account_idx ON refresh_tokens (account_id)');
    this.addSql(`CREATE TABLE login_throttles (
      key text PRIMARY KEY,
      failures integer NOT NULL,
      locked_until timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
  }
}
