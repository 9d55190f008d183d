import fs from 'node:fs/promises';
import path from 'node:path';

/** The file that makes a backup folder a backup: written last, so a folder without it is incomplete. */
export const MANIFEST_FILE = 'manifest.json';
const FORMAT = 'herck-backup';
const FORMAT_VERSION = 1;

/** A refusal the operator can act on (bad folder, non-empty target, unknown migration…): the message says what to do. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
}

export interface TableDump {
  name: string;
  /** Columns in the order each row (a JSON array of their text forms) lists them. */
  columns: string[];
  /** Relative to the backup folder: gzipped NDJSON, one row per line. */
  file: string;
  rows: number;
  bytes: number;
}

export interface SequenceDump {
  name: string;
  /** As text (bigint); null when the sequence was never used. */
  lastValue: string | null;
}

/** One database as its snapshot saw it. */
export interface DatabaseDump {
  /** The store's name, which restore matches (`account`, `bus`, …), whatever the database was called. */
  name: string;
  /** The database's name on the server it came from. */
  database: string;
  /** The newest MikroORM migration applied in the snapshot; null for a database without migrations (the bus). */
  migration: string | null;
  /**
   * Every migration applied, in the order they were: restore applies exactly
   * these before loading the rows. Without it, every migration of the list up
   * to `migration`.
   */
  migrations?: string[];
  tables: TableDump[];
  sequences: SequenceDump[];
}

export interface BackupManifest {
  format: typeof FORMAT;
  version: typeof FORMAT_VERSION;
  createdAt: string;
  finishedAt: string;
  databases: DatabaseDump[];
}

export function newManifest(createdAt: Date, databases: DatabaseDump[]): BackupManifest {
  return { format: FORMAT, version: FORMAT_VERSION, createdAt: createdAt.toISOString(), finishedAt: new Date().toISOString(), databases };
}

/** Written aside, then renamed: the manifest appears whole or not at all. */
export async function writeManifest(dir: string, manifest: BackupManifest): Promise<void> {
  const aside = path.join(dir, `.${MANIFEST_FILE}.tmp`);
  const handle = await fs.open(aside, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify(manifest, null, 2) + '\n');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(aside, path.join(dir, MANIFEST_FILE));
}

/**
 * The manifest of the backup in `dir`, checked: its shape, and that every file
 * it names is there with the size it had. Throws BackupError otherwise.
 */
export async function readManifest(dir: string): Promise<BackupManifest> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new BackupError(`${dir} is not a complete backup: it has no ${MANIFEST_FILE}`);
    throw error;
  }
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(text) as BackupManifest;
  } catch {
    throw new BackupError(`${path.join(dir, MANIFEST_FILE)} is not valid JSON`);
  }
  const problem = manifestProblem(manifest);
  if (problem) throw new BackupError(`${path.join(dir, MANIFEST_FILE)} is not a Herck backup manifest: ${problem}`);
  for (const database of manifest.databases) {
    for (const table of database.tables) {
      const file = path.resolve(dir, table.file);
      if (!file.startsWith(path.resolve(dir) + path.sep)) throw new BackupError(`the manifest names a file outside the backup: ${table.file}`);
      const size = await fs.stat(file).then((stat) => stat.size, () => -1);
      if (size !== table.bytes) throw new BackupError(`${table.file} is ${size < 0 ? 'missing' : `${size} bytes, not ${table.bytes}`}: the backup is damaged`);
    }
  }
  return manifest;
}

function manifestProblem(manifest: BackupManifest): string | undefined {
  if (typeof manifest !== 'object' || manifest === null || manifest.format !== FORMAT) return 'unknown format';
  if (manifest.version !== FORMAT_VERSION) return `format version ${String(manifest.version)} (this Herck reads ${FORMAT_VERSION})`;
  if (Number.isNaN(Date.parse(manifest.createdAt))) return 'no createdAt';
  if (!Array.isArray(manifest.databases)) return 'no databases';
  for (const database of manifest.databases) {
    if (typeof database?.name !== 'string' || !Array.isArray(database.tables) || !Array.isArray(database.sequences)) return 'a database entry is malformed';
    if (database.migration !== null && typeof database.migration !== 'string') return `database ${database.name}: bad migration`;
    if (database.migrations !== undefined && (!Array.isArray(database.migrations) || database.migrations.some((name) => typeof name !== 'string'))) return `database ${database.name}: bad migrations`;
    for (const table of database.tables) {
      if (typeof table?.name !== 'string' || typeof table.file !== 'string' || !Array.isArray(table.columns) || !Number.isInteger(table.rows) || !Number.isInteger(table.bytes)) {
        return `database ${database.name}: a table entry is malformed`;
      }
    }
  }
  return undefined;
}
