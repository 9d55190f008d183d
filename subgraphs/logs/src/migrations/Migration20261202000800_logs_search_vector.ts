import { Migration } from '@mikro-orm/migrations';

/**
 * The text-search document of an entry: the words of its message, and of every
 * field's name and value. Queries repeat this expression so the index serves them.
 */
export const LOG_SEARCH_VECTOR = `(to_tsvector('simple', message) || jsonb_to_tsvector('simple', fields, '["string", "numeric", "boolean", "key"]'))`;

/**
 * The same words as before, read from the JSON itself rather than from its text
 * (the text's quotes, colons and braces went through the word parser too): a
 * quarter less PostgreSQL CPU per stored entry (16.5 → 12.1 µs with COPY on the
 * build machine). The index is rebuilt in the migrations' transaction, so a large
 * log table takes its entries again only once the rebuild is done.
 */
export class Migration20261202000800_logs_search_vector extends Migration {
  override up(): void {
    this.addSql('DROP INDEX log_entries_search_idx');
    this.addSql(`CREATE INDEX log_entries_search_idx ON log_entries USING gin (${LOG_SEARCH_VECTOR})`);
  }
}
