import { Migration } from '@mikro-orm/migrations';

/**
 * An admin's `accounts(filter: { search })` matches the text anywhere in the username, email or
 * names (ILIKE '%…%'), which no btree can answer: the page and its totalCount each read every
 * account (380 ms and 200 ms over 200,000). A trigram index answers such patterns of three
 * characters or more (8 ms).
 *
 * pg_trgm ships with PostgreSQL (contrib) and is a trusted extension the database's owner may
 * create, but a server may lack contrib or the right to create it: the search then still works,
 * by reading every account, rather than the account service failing to start. Said in a notice,
 * which reaches no one, so the service also warns at start-up (warnWithoutSearchIndex).
 */
export class Migration20261206000200_account_search extends Migration {
  override up(): void {
    this.addSql(`DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
    RAISE NOTICE 'pg_trgm is not available: the account search reads every account';
    RETURN;
  END IF;
  BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'pg_trgm could not be created (no privilege): the account search reads every account';
    RETURN;
  END;
  CREATE INDEX accounts_search_idx ON accounts USING gin (username gin_trgm_ops, email gin_trgm_ops, first_name gin_trgm_ops, last_name gin_trgm_ops);
END
$$`);
  }
}
