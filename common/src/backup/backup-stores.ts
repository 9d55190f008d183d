import fs from 'node:fs/promises';
import path from 'node:path';
import { MigrationObject } from '@mikro-orm/core';
import { EntityClass } from '@mikro-orm/postgresql';
import pg from 'pg';
import { ensureBusSchema } from '../bus/bus-database';
import { databaseUrl, dropDatabase, ensureDatabase, quoteIdentifier } from '../database/database-url';
import { openOrm } from '../database/open-orm';
import { Logger } from '../logging/logger';
import { backupName } from './backup-catalog';
import { BackupError, BackupManifest, DatabaseDump, newManifest, readManifest, writeManifest } from './backup-manifest';
import { dumpDatabase, MIGRATIONS_TABLE } from './database-backup';
import { checkDumpFiles, loadDatabase } from './database-restore';
import { dropRestoreLeftovers, dropStagingDatabases, restoreDatabasesFor, swapInRestored } from './database-swap';
import { queryingClient, databasePool } from '../database/connect-timeout';

/** How a store's schema comes to be, which is how restore rebuilds it before loading the rows. */
export type StoreSchema =
  /** MikroORM migrations (every subgraph): restore migrates up to the backup's migration, loads, then migrates the rest of the way. */
  | { entities: EntityClass<object>[]; migrations: MigrationObject[] }
  /** Code that creates the tables if missing (the bus): restore runs it, then loads. */
  | { ensureSchema(pool: pg.Pool): Promise<void> };

export { subgraphStoreSchema } from '../subgraph/subgraph-store-schema';

/** The bus database: its table is made by code at start-up, not by migrations. */
export const busStoreSchema: StoreSchema = { ensureSchema: ensureBusSchema };

/** One PostgreSQL database to back up and restore. */
export interface BackupStore {
  /** Stable across installations (`account`, `bus`): what a backup's entries are matched by on restore. */
  name: string;
  /** The server (admin database URL). */
  serverUrl: string;
  /** The database's name on that server. */
  database: string;
  schema: StoreSchema;
}

export interface WrittenBackup {
  name: string;
  dir: string;
  manifest: BackupManifest;
}

/**
 * Backs up `stores` in the order given into a new folder under `parentDir`,
 * each database as one snapshot of its own, and writes the manifest last: a
 * backup that fails half-way is deleted, one that is killed has no manifest
 * and is never listed nor restored. A store whose database does not exist yet
 * is left out (and said so); when none exists there is nothing to back up.
 */
export async function writeBackup(stores: BackupStore[], parentDir: string, logger: Logger): Promise<WrittenBackup> {
  const started = new Date();
  await fs.mkdir(parentDir, { recursive: true, mode: 0o700 });
  const { name, dir } = await newBackupFolder(parentDir, started);
  try {
    const databases: DatabaseDump[] = [];
    for (const store of stores) {
      if (!(await databaseExists(store))) {
        logger.warn('database does not exist: not backed up', { store: store.name, database: store.database });
        continue;
      }
      const begun = Date.now();
      const dump = await dumpDatabase({ name: store.name, url: databaseUrl(store.serverUrl, store.database), dir });
      databases.push(dump);
      logger.info('database backed up', {
        store: store.name,
        database: store.database,
        migration: dump.migration,
        tables: dump.tables.length,
        rows: dump.tables.reduce((sum, table) => sum + table.rows, 0),
        bytes: dump.tables.reduce((sum, table) => sum + table.bytes, 0),
        ms: Date.now() - begun,
      });
    }
    if (!databases.length) throw new BackupError('none of the databases exists yet: there is nothing to back up');
    const manifest = newManifest(started, databases);
    await writeManifest(dir, manifest);
    logger.info('backup written', { backup: name, dir, databases: databases.map((database) => database.name), ms: Date.now() - started.getTime() });
    return { name, dir, manifest };
  } catch (error) {
    await fs.rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function newBackupFolder(parentDir: string, time: Date): Promise<{ name: string; dir: string }> {
  for (let attempt = 0; ; attempt += 1) {
    const name = backupName(time, attempt);
    const dir = path.join(parentDir, name);
    try {
      await fs.mkdir(dir, { mode: 0o700 });
      return { name, dir };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

export interface RestoreOptions {
  /** Restore over databases that hold data (they are dropped first). */
  force?: boolean;
}

/**
 * Restores the backup in `dir` into `stores`' databases. Everything is checked
 * before anything is touched: the manifest and its files (each read to its end), that this Herck knows
 * every store and migration the backup names, that nothing is connected to
 * the target databases (the platform is stopped), and that they hold no data
 * unless `force`. Then each database is loaded beside the one it replaces (made,
 * migrated up to the backup's migration, loaded, and migrated up to date), and
 * once all are, they take their places in one transaction: a restore that fails
 * leaves every database as it was. Stores the backup does not hold are left as
 * they are.
 */
export async function restoreBackup(stores: BackupStore[], dir: string, options: RestoreOptions, logger: Logger): Promise<{ databases: string[]; rows: number }> {
  const manifest = await readManifest(dir);
  const plan = manifest.databases.map((dump) => {
    const store = stores.find((candidate) => candidate.name === dump.name);
    if (!store) throw new BackupError(`the backup holds a store this Herck does not know: ${dump.name}`);
    checkMigration(store, dump);
    return { store, dump };
  });
  if (!plan.length) throw new BackupError('the backup holds no database');
  // Databases change places in one transaction, which one server holds.
  if (new Set(plan.map(({ store }) => store.serverUrl)).size > 1) throw new BackupError('a restore takes databases on one server only');
  const shared = plan.find(({ store }, index) => plan.findIndex((other) => other.store.database === store.database) !== index);
  if (shared) throw new BackupError(`two stores of the backup would be restored into one database: ${shared.store.database}`);
  const problems: string[] = [];
  let running = false;
  let holdsData = false;
  for (const { store } of plan) {
    const { connections, tablesWithRows } = await inspectTarget(store);
    const found = [
      ...(tablesWithRows.length && !options.force ? [`is not empty (${tablesWithRows.join(', ')})`] : []),
      ...(connections ? [`has ${connections} open connection(s)`] : []),
    ];
    if (found.length) problems.push(`database ${store.database} ${found.join(' and ')}`);
    running ||= connections > 0;
    holdsData ||= tablesWithRows.length > 0 && !options.force;
  }
  if (problems.length) {
    const hints = [...(running ? ['Stop the platform first.'] : []), ...(holdsData ? ['Restore replaces their contents only with --force.'] : [])];
    throw new BackupError(`nothing was restored:\n  ${problems.join('\n  ')}\n${hints.join(' ')}`);
  }
  // Every file read through before the first database is dropped: a damaged one stops the restore with nothing changed.
  for (const { dump } of plan) {
    await checkDumpFiles(dump, dir).catch((error: unknown) => {
      throw new BackupError(`nothing was restored: ${(error as Error).message}`);
    });
  }
  for (const store of stores.filter((candidate) => !plan.some((entry) => entry.store === candidate))) {
    logger.warn('store not in the backup: left as it is', { store: store.name, database: store.database });
  }

  // Each database is loaded beside the one it replaces; only once every one is loaded and migrated do they
  // take their places, all in one transaction: a restore that fails before then changes no database.
  const { serverUrl } = plan[0]!.store;
  const databases = plan.map(({ store }) => store.database);
  await dropRestoreLeftovers(serverUrl, databases);
  let rows = 0;
  try {
    for (const { store, dump } of plan) {
      const begun = Date.now();
      const loaded = await restoreStore(store, restoreDatabasesFor(store.database).staging, dump, dir, logger).catch((error: unknown) => {
        // Files that read through can still hold a value a column refuses, or the server can go away.
        throw new Error(`nothing was restored: ${store.name} could not be loaded (${(error as Error)?.message ?? error}); every database is as it was.`, { cause: error });
      });
      rows += loaded;
      logger.info('database loaded', { store: store.name, database: store.database, from: dump.database, migration: dump.migration, tables: dump.tables.length, rows: loaded, ms: Date.now() - begun });
    }
    await swapInRestored(serverUrl, databases, logger);
  } catch (error) {
    await dropStagingDatabases(serverUrl, databases).catch((cleanUp: unknown) => logger.warn('a failed restore could not drop the databases it was loading', { error: cleanUp }));
    throw error;
  }
  logger.info('backup restored', { dir, createdAt: manifest.createdAt, databases: plan.map(({ store }) => store.name), rows });
  return { databases: plan.map(({ store }) => store.name), rows };
}

/** The migrations the backup's database had applied. */
function appliedMigrations(dump: DatabaseDump, list: MigrationObject[]): string[] {
  if (dump.migrations) return dump.migrations;
  if (dump.migration === null) return [];
  const upTo = list.findIndex((migration) => migration.name === dump.migration);
  return upTo < 0 ? [dump.migration] : list.slice(0, upTo + 1).map((migration) => migration.name);
}

function checkMigration(store: BackupStore, dump: DatabaseDump): void {
  if (!('migrations' in store.schema)) return;
  const applied = appliedMigrations(dump, store.schema.migrations);
  if (!applied.length && dump.tables.length) throw new BackupError(`the backup of ${dump.name} records no migration: it cannot be restored`);
  const known = new Set(store.schema.migrations.map((migration) => migration.name));
  const unknown = applied.filter((name) => !known.has(name));
  if (unknown.length) {
    throw new BackupError(`the backup of ${dump.name} has migration ${unknown.join(', ')}, which this Herck does not have: restore it with the version that made it, or a newer one`);
  }
}

/** Loads `dump` into `database` (made anew), migrated as the backup's was, then up to date. */
async function restoreStore(store: BackupStore, database: string, dump: DatabaseDump, dir: string, logger: Logger): Promise<number> {
  await dropDatabase(store.serverUrl, database);
  await ensureDatabase(store.serverUrl, database);
  const url = databaseUrl(store.serverUrl, database);
  const schema = store.schema;
  if ('migrations' in schema) {
    // Exactly the migrations the backup's database had: the list's order need not be the order they were applied in.
    const names = appliedMigrations(dump, schema.migrations);
    const applied = schema.migrations.filter((migration) => names.includes(migration.name));
    if (applied.length) await openOrm({ url, entities: schema.entities, migrations: applied, logger }).then((orm) => orm.close());
  } else {
    const pool = databasePool({ connectionString: url, max: 1 });
    // A lost connection fails the statement waiting on it (see queryingClient), not the whole restore's process.
    pool.on('error', () => undefined);
    await schema.ensureSchema(pool).finally(() => pool.end());
  }
  const { rows } = await loadDatabase(url, dump, dir);
  // Then up to date: migrations newer than the backup run on the restored rows.
  if ('migrations' in schema) await openOrm({ url, entities: schema.entities, migrations: schema.migrations, logger }).then((orm) => orm.close());
  return rows;
}

async function databaseExists(store: BackupStore): Promise<boolean> {
  const client = queryingClient({ connectionString: store.serverUrl });
  await client.connect();
  try {
    return Boolean((await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [store.database])).rowCount);
  } finally {
    await client.end();
  }
}

/** Who else is connected to the target database, and which of its tables hold rows. */
async function inspectTarget(store: BackupStore): Promise<{ connections: number; tablesWithRows: string[] }> {
  if (!(await databaseExists(store))) return { connections: 0, tablesWithRows: [] };
  const server = queryingClient({ connectionString: store.serverUrl });
  await server.connect();
  let connections: number;
  try {
    const { rows } = await server.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
      [store.database],
    );
    connections = rows[0].n;
  } finally {
    await server.end();
  }
  const client = queryingClient({ connectionString: databaseUrl(store.serverUrl, store.database) });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ name: string }>(
      "SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> $1 ORDER BY 1",
      [MIGRATIONS_TABLE],
    );
    const tablesWithRows: string[] = [];
    for (const { name } of tables) {
      const { rowCount } = await client.query(`SELECT 1 FROM ${quoteIdentifier(name)} LIMIT 1`);
      if (rowCount) tablesWithRows.push(name);
    }
    return { connections, tablesWithRows };
  } finally {
    await client.end();
  }
}
