import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import pg from 'pg';
import { quoteIdentifier } from '../database/database-url';
import { DatabaseDump, SequenceDump, TableDump } from './backup-manifest';
import { queryingClient } from '../database/connect-timeout';

/** MikroORM's own table: not data. Restore recreates it by migrating. */
export const MIGRATIONS_TABLE = 'mikro_orm_migrations';

/**
 * Fixed text forms, so what one session prints the other reads back exactly
 * (pg_dump sets the same): UTC ISO times, shortest exact floats, hex bytea.
 */
export const TEXT_FORMAT_SETTINGS = [
  "SET LOCAL TimeZone = 'UTC'",
  "SET LOCAL DateStyle = 'ISO, YMD'",
  "SET LOCAL IntervalStyle = 'postgres'",
  'SET LOCAL extra_float_digits = 3',
  "SET LOCAL bytea_output = 'hex'",
  'SET LOCAL statement_timeout = 0',
];

export interface DumpDatabaseOptions {
  /** The store's name: the rows go under `<dir>/<name>/`. */
  name: string;
  url: string;
  dir: string;
  /** Rows fetched from the cursor at a time: memory stays bounded whatever the table's size. */
  batchRows?: number;
}

/**
 * Writes every table of the public schema of one database, as one snapshot
 * (REPEATABLE READ, READ ONLY), with the MikroORM migration it stands at and
 * its sequences. Each table is gzipped NDJSON: per row a JSON array of the
 * columns' PostgreSQL text forms (null for NULL), which read back exactly
 * whatever the type — numeric of any precision, timestamptz, jsonb (a JSON
 * `null` stays distinct from NULL), bytea, arrays.
 */
export async function dumpDatabase({ name, url, dir, batchRows = 1000 }: DumpDatabaseOptions): Promise<DatabaseDump> {
  const client = queryingClient({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    for (const setting of TEXT_FORMAT_SETTINGS) await client.query(setting);
    const listed = await listTables(client);
    // As pg_dump does: no table can be dropped or altered under us while we read it.
    if (listed.length) await client.query(`LOCK TABLE ${listed.map((table) => quoteIdentifier(table.name)).join(', ')} IN ACCESS SHARE MODE`);
    const migrations = await appliedMigrations(client);
    await fs.mkdir(path.join(dir, name), { recursive: true, mode: 0o700 });
    const tables: TableDump[] = [];
    for (const [index, table] of listed.entries()) {
      const file = path.join(name, `${encodeURIComponent(table.name)}.ndjson.gz`);
      tables.push({ ...table, file, ...(await dumpTable(client, table, path.join(dir, file), `herck_backup_${index}`, batchRows)) });
    }
    const sequences = await readSequences(client);
    await client.query('COMMIT');
    const { rows } = await client.query<{ database: string }>('SELECT current_database() AS database');
    return { name, database: rows[0].database, migration: migrations.at(-1) ?? null, migrations, tables, sequences };
  } finally {
    await client.end();
  }
}

interface ListedTable {
  name: string;
  /** Stored columns only: generated ones are computed again on restore. */
  columns: string[];
}

async function listTables(client: pg.Client): Promise<ListedTable[]> {
  // Partitions are read through their parent (relispartition), so no row is written twice.
  const { rows } = await client.query<{ name: string; columns: string[] | null }>(
    `SELECT c.relname::text AS name,
            array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attnum IS NOT NULL) AS columns
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> $1
      GROUP BY c.relname
      ORDER BY c.relname`,
    [MIGRATIONS_TABLE],
  );
  return rows.map((row) => ({ name: row.name, columns: row.columns ?? [] }));
}

/** MikroORM's record of the migrations applied, oldest first (none for a database without migrations). */
async function appliedMigrations(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [`public.${MIGRATIONS_TABLE}`]);
  if (!rows[0].present) return [];
  const applied = await client.query<{ name: string }>(`SELECT name FROM public.${MIGRATIONS_TABLE} ORDER BY id`);
  return applied.rows.map((row) => row.name);
}

async function dumpTable(client: pg.Client, table: ListedTable, file: string, cursor: string, batchRows: number): Promise<{ rows: number; bytes: number }> {
  const values = table.columns.length ? `ARRAY[${table.columns.map((column) => `${quoteIdentifier(column)}::text`).join(', ')}]` : 'ARRAY[]::text[]';
  await client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT array_to_json(${values})::text FROM ${quoteIdentifier(table.name)}`);
  let rows = 0;
  async function* lines(): AsyncGenerator<string> {
    for (;;) {
      const batch = await client.query<[string]>({ text: `FETCH ${batchRows} FROM ${cursor}`, rowMode: 'array' });
      if (!batch.rows.length) return;
      rows += batch.rows.length;
      yield batch.rows.map((row) => row[0]).join('\n') + '\n';
    }
  }
  await pipeline(Readable.from(lines()), createGzip(), createWriteStream(file, { flags: 'wx', mode: 0o600 }));
  await client.query(`CLOSE ${cursor}`);
  await syncFile(file);
  return { rows, bytes: (await fs.stat(file)).size };
}

/** On disk before the manifest that vouches for it is written. */
async function syncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Sequences are not transactional: this reads their current value, which is
 * at least what the snapshot's rows used, so restored ones never hand out a
 * value already taken.
 */
async function readSequences(client: pg.Client): Promise<SequenceDump[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT s.relname::text AS name
       FROM pg_class s
       JOIN pg_namespace n ON n.oid = s.relnamespace
      WHERE s.relkind = 'S' AND n.nspname = 'public'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
                         WHERE d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.refclassid = 'pg_class'::regclass AND t.relname = $1)
      ORDER BY s.relname`,
    [MIGRATIONS_TABLE],
  );
  const sequences: SequenceDump[] = [];
  for (const { name } of rows) {
    const value = await client.query<{ last_value: string; is_called: boolean }>(`SELECT last_value::text, is_called FROM ${quoteIdentifier(name)}`);
    sequences.push({ name, lastValue: value.rows[0].is_called ? value.rows[0].last_value : null });
  }
  return sequences;
}
