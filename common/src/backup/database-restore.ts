import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import pg from 'pg';
import { quoteIdentifier } from '../database/database-url';
import { BackupError, DatabaseDump, TableDump } from './backup-manifest';
import { MIGRATIONS_TABLE, TEXT_FORMAT_SETTINGS } from './database-backup';
import { queryingClient } from '../database/connect-timeout';

/** Rows per INSERT, unless the batch reaches BATCH_BYTES of text first. */
const BATCH_ROWS = 1000;
const BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Loads a dump into a database whose schema stands at the dump's migration,
 * in one transaction: tables emptied first (a migration may have seeded
 * rows), then loaded parents before children (foreign keys), user triggers
 * off while loading, sequences set to at least their recorded value and the
 * largest value their column holds. Checks each table's row count against
 * the manifest, so a truncated file fails the restore instead of losing rows.
 */
export async function loadDatabase(url: string, dump: DatabaseDump, backupDir: string): Promise<{ rows: number }> {
  const client = queryingClient({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    for (const setting of TEXT_FORMAT_SETTINGS) await client.query(setting);
    // Only deferrable constraints are affected: the load order below handles the rest.
    await client.query('SET CONSTRAINTS ALL DEFERRED');
    const order = await loadOrder(client, dump.tables.map((table) => table.name));
    if (order.length) await client.query(`TRUNCATE ${order.map(quoteIdentifier).join(', ')}`);
    let rows = 0;
    for (const name of order) rows += await loadTable(client, dump.tables.find((table) => table.name === name)!, backupDir);
    await restoreSequences(client, dump);
    await client.query('COMMIT');
    return { rows };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

/**
 * Reads every file of the dump to its end before any database is touched: a file
 * whose bytes were changed (same size, so the manifest does not see it) fails its
 * gzip check here, and one with another number of rows than the manifest says is
 * refused, instead of failing halfway through a restore that has dropped databases.
 */
export async function checkDumpFiles(dump: DatabaseDump, backupDir: string): Promise<void> {
  for (const table of dump.tables) {
    let rows = 0;
    try {
      for await (const line of readLines(path.join(backupDir, table.file))) if (line) rows += 1;
    } catch (error) {
      throw new BackupError(`${table.file} cannot be read (${(error as Error).message}): the backup is damaged`);
    }
    checkRowCount(table, rows);
  }
}

/** Every table of the dump, each after the tables it references (ties: by name); tables the schema lacks are refused. */
async function loadOrder(client: pg.Client, tables: string[]): Promise<string[]> {
  const present = await client.query<{ name: string }>(
    "SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')",
  );
  const known = new Set(present.rows.map((row) => row.name));
  const missing = tables.filter((table) => !known.has(table));
  if (missing.length) throw new BackupError(`the schema has no table ${missing.join(', ')}: the backup does not match its migration`);
  const { rows: references } = await client.query<{ child: string; parent: string }>(
    `SELECT child.relname::text AS child, parent.relname::text AS parent
       FROM pg_constraint c
       JOIN pg_class child ON child.oid = c.conrelid
       JOIN pg_class parent ON parent.oid = c.confrelid
       JOIN pg_namespace n ON n.oid = child.relnamespace
      WHERE c.contype = 'f' AND n.nspname = 'public' AND c.conrelid <> c.confrelid`,
  );
  const pending = new Set(tables);
  const order: string[] = [];
  while (pending.size) {
    const ready = [...pending].filter((table) => !references.some((ref) => ref.child === table && pending.has(ref.parent))).sort();
    // A cycle of references: load the rest as they come and count on deferrable constraints.
    const next = ready.length ? ready : [...pending].sort();
    for (const table of next) {
      order.push(table);
      pending.delete(table);
    }
  }
  return order;
}

async function loadTable(client: pg.Client, table: TableDump, backupDir: string): Promise<number> {
  const types = await columnTypes(client, table.name);
  const unknown = table.columns.filter((column) => !types.has(column));
  if (unknown.length) throw new BackupError(`table ${table.name} has no column ${unknown.join(', ')}: the backup does not match its migration`);
  const columns = table.columns.map(quoteIdentifier).join(', ');
  const values = table.columns.map((column, index) => `(r->>${index})::${types.get(column)!}`).join(', ');
  // OVERRIDING SYSTEM VALUE: identity columns GENERATED ALWAYS take the stored ids too.
  const insert = `INSERT INTO ${quoteIdentifier(table.name)} (${columns}) OVERRIDING SYSTEM VALUE SELECT ${values} FROM json_array_elements($1::json) AS r`;
  const triggers = await client.query("SELECT 1 FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal LIMIT 1", [quoteIdentifier(table.name)]);
  if (triggers.rowCount) await client.query(`ALTER TABLE ${quoteIdentifier(table.name)} DISABLE TRIGGER USER`);

  let rows = 0;
  let batch: string[] = [];
  let batchBytes = 0;
  const flush = async () => {
    if (!batch.length) return;
    await client.query(insert, [`[${batch.join(',')}]`]);
    batch = [];
    batchBytes = 0;
  };
  for await (const line of readLines(path.join(backupDir, table.file))) {
    if (!line) continue;
    batch.push(line);
    batchBytes += line.length;
    rows += 1;
    if (batch.length >= BATCH_ROWS || batchBytes >= BATCH_BYTES) await flush();
  }
  await flush();
  if (triggers.rowCount) await client.query(`ALTER TABLE ${quoteIdentifier(table.name)} ENABLE TRIGGER USER`);
  checkRowCount(table, rows);
  return rows;
}

/** A file with other than the manifest's number of rows was cut short or added to. */
function checkRowCount(table: TableDump, rows: number): void {
  if (rows !== table.rows) throw new BackupError(`${table.file} holds ${rows} rows, the manifest says ${table.rows}: the backup is damaged`);
}

/** The lines of a gzipped file, streamed; a damaged file fails (the gzip trailer's CRC and length are checked). */
async function* readLines(file: string): AsyncGenerator<string> {
  const source = createReadStream(file);
  const gunzip = createGunzip();
  source.once('error', (error) => gunzip.destroy(error));
  source.pipe(gunzip).setEncoding('utf8');
  let rest = '';
  try {
    for await (const chunk of gunzip as AsyncIterable<string>) {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      yield* lines;
    }
    if (rest) yield rest;
  } finally {
    source.destroy();
  }
}

async function columnTypes(client: pg.Client, table: string): Promise<Map<string, string>> {
  const { rows } = await client.query<{ name: string; type: string }>(
    `SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_attribute a
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''`,
    [quoteIdentifier(table)],
  );
  return new Map(rows.map((row) => [row.name, row.type]));
}

async function restoreSequences(client: pg.Client, dump: DatabaseDump): Promise<void> {
  for (const sequence of dump.sequences) {
    const { rows } = await client.query<{ owner: string | null; column: string | null }>(
      `SELECT t.relname::text AS owner, a.attname::text AS column
         FROM pg_class s
         JOIN pg_namespace n ON n.oid = s.relnamespace
         LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
         LEFT JOIN pg_class t ON t.oid = d.refobjid
         LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE s.relkind = 'S' AND n.nspname = 'public' AND s.relname = $1`,
      [sequence.name],
    );
    if (!rows.length) throw new BackupError(`the schema has no sequence ${sequence.name}: the backup does not match its migration`);
    const { owner, column } = rows[0];
    const largest = owner && column && owner !== MIGRATIONS_TABLE ? `(SELECT max(${quoteIdentifier(column)})::bigint FROM ${quoteIdentifier(owner)})` : 'NULL::bigint';
    await client.query(
      `SELECT setval($1::regclass, value, true) FROM (SELECT GREATEST($2::bigint, ${largest}) AS value) v WHERE value IS NOT NULL`,
      [quoteIdentifier(sequence.name), sequence.lastValue],
    );
  }
}
