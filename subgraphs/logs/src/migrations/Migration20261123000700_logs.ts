import { Migration } from '@mikro-orm/migrations';

/** The text-search document of an entry as first indexed (replaced by Migration20261202000800_logs_search_vector). */
const FIRST_SEARCH_VECTOR = "to_tsvector('simple', message || ' ' || fields::text)";

export class Migration20261123000700_logs extends Migration {
  override up(): void {
    this.addSql(`CREATE TABLE log_entries (
      id uuid PRIMARY KEY,
      time timestamptz NOT NULL,
      service text NOT NULL,
      level text NOT NULL,
      message text NOT NULL,
      request_id text,
      fields jsonb NOT NULL DEFAULT '{}',
      bytes integer NOT NULL CHECK (bytes >= 0)
    )`);
    this.addSql('CREATE INDEX log_entries_time_idx ON log_entries (time DESC, id DESC)');
    this.addSql('CREATE INDEX log_entries_service_time_idx ON log_entries (service, time DESC, id DESC)');
    this.addSql('CREATE INDEX log_entries_request_idx ON log_entries (request_id) WHERE request_id IS NOT NULL');
    // Words of the message and of every field, for text search ('simple': log text is not prose). An
    // expression index rather than a stored column: the same work per insert, and no tsvector in every row.
    this.addSql(`CREATE INDEX log_entries_search_idx ON log_entries USING gin (${FIRST_SEARCH_VECTOR})`);
    // Kept in the same transaction as the entries: thresholds are checked without scanning.
    this.addSql(`CREATE TABLE log_usage (
      service text PRIMARY KEY,
      bytes bigint NOT NULL DEFAULT 0,
      entries bigint NOT NULL DEFAULT 0
    )`);
    this.addSql(`CREATE TABLE log_archives (
      file_name text PRIMARY KEY,
      service text NOT NULL,
      from_time timestamptz NOT NULL,
      to_time timestamptz NOT NULL,
      entries integer NOT NULL,
      bytes bigint NOT NULL,
      created_at timestamptz NOT NULL
    )`);
    // Who is mailed about archives: accounts (from account's events) with their roles (from auth's).
    this.addSql(`CREATE TABLE log_recipients (
      account_id uuid PRIMARY KEY,
      email text,
      status text,
      account_version integer NOT NULL DEFAULT 0,
      roles text[] NOT NULL DEFAULT '{}'
    )`);
  }
}
