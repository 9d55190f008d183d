import { Check, Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { LOG_SEARCH_VECTOR } from '../../../migrations/Migration20261202000800_logs_search_vector';

/** A log line in PostgreSQL; text search reads an expression index over its words (`searchText`, see the migrations). */
@Entity({ tableName: 'log_entries' })
@Index({ name: 'log_entries_time_idx', expression: 'CREATE INDEX log_entries_time_idx ON log_entries (time DESC, id DESC)' })
@Index({ name: 'log_entries_service_time_idx', expression: 'CREATE INDEX log_entries_service_time_idx ON log_entries (service, time DESC, id DESC)' })
@Index({ name: 'log_entries_request_idx', expression: 'CREATE INDEX log_entries_request_idx ON log_entries (request_id) WHERE request_id IS NOT NULL' })
@Index({ name: 'log_entries_search_idx', expression: `CREATE INDEX log_entries_search_idx ON log_entries USING gin (${LOG_SEARCH_VECTOR})` })
@Check({ name: 'log_entries_bytes_check', expression: 'bytes >= 0' })
export class PgLogEntry {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'timestamptz' })
  time!: Date;

  @Property({ type: 'text' })
  service!: string;

  @Property({ type: 'text' })
  level!: string;

  @Property({ type: 'text' })
  message!: string;

  @Property({ type: 'text', nullable: true })
  requestId!: string | null;

  @Property({ type: 'json', defaultRaw: `'{}'::jsonb` })
  fields!: Record<string, unknown>;

  @Property({ type: 'integer' })
  bytes!: number;

  /** The words it is found by, written by logs with the entry (search-words.ts). */
  @Property({ type: 'text' })
  searchText!: string;
}

/** Bytes and entries a service has stored, kept with every write. */
@Entity({ tableName: 'log_usage' })
export class PgLogUsage {
  @PrimaryKey({ type: 'text' })
  service!: string;

  @Property({ type: 'bigint', default: 0 })
  bytes!: string;

  @Property({ type: 'bigint', default: 0 })
  entries!: string;
}

/** A compressed file holding a service's oldest entries. */
@Entity({ tableName: 'log_archives' })
export class PgLogArchive {
  @PrimaryKey({ type: 'text' })
  fileName!: string;

  @Property({ type: 'text' })
  service!: string;

  @Property({ type: 'timestamptz', fieldName: 'from_time' })
  from!: Date;

  @Property({ type: 'timestamptz', fieldName: 'to_time' })
  to!: Date;

  @Property({ type: 'integer' })
  entries!: number;

  @Property({ type: 'bigint' })
  bytes!: string;

  @Property({ type: 'timestamptz' })
  createdAt!: Date;
}
