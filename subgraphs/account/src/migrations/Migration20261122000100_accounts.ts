import { Migration } from '@mikro-orm/migrations';

export class Migration20261122000100_accounts extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE accounts (
      id uuid PRIMARY KEY,
      username text NOT NULL,
      email text NOT NULL,
      first_name text NOT NULL,
      last_name text NOT NULL,
      status text NOT NULL CHECK (status IN ('PENDING', 'ACTIVE', 'DEACTIVATED')),
      version integer NOT NULL DEFAULT 1,
      confirmation_token_hash text UNIQUE,
      confirmation_expires_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    // Usernames and emails are unique regardless of case.
    this.addSql('CREATE UNIQUE INDEX accounts_username_key ON accounts (lower(username))');
    this.addSql('CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email))');
    this.addSql('CREATE INDEX accounts_created_at_id_idx ON accounts (created_at, id)');
  }
}
