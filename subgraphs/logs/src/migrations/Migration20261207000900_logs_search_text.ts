import { Migration } from '@mikro-orm/migrations';

/**
 * The text-search document of an entry, written by logs with each entry (search-words.ts): the
 * words of its message and of every field's name and value, in lower case in every script, with
 * hosts, URLs, paths and addresses split into their words. Queries repeat this expression so the
 * index serves them.
 */
export const LOG_SEARCH_VECTOR = `to_tsvector('simple', search_text)`;

/**
 * PostgreSQL's word parser kept `api.coingecko.com` or `/var/lib/herck/data.json` whole, so none of
 * their words could be searched for, and in a database of the C locale lowercased ASCII letters only.
 * Entries stored before are given their words here, as near as SQL comes to logs' own: ASCII
 * punctuation splits them and ASCII letters are lowered (other letters keep their case, so those
 * entries are found by other scripts' words only as written). The index is rebuilt in the
 * migrations' transaction.
 */
export class Migration20261207000900_logs_search_text extends Migration {
  override up(): void {
    this.addSql('ALTER TABLE log_entries ADD COLUMN search_text text');
    this.addSql(`UPDATE log_entries SET search_text = btrim(regexp_replace(lower(message || ' ' || fields::text), '[[:space:]!"#$%&''()*+,./:;<=>?@\\[\\\\\\]^_\`{|}~-]+', ' ', 'g'))`);
    this.addSql('ALTER TABLE log_entries ALTER COLUMN search_text SET NOT NULL');
    this.addSql('DROP INDEX log_entries_search_idx');
    this.addSql(`CREATE INDEX log_entries_search_idx ON log_entries USING gin (${LOG_SEARCH_VECTOR})`);
  }
}
