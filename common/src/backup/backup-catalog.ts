import fs from 'node:fs/promises';
import path from 'node:path';
import { BackupManifest, MANIFEST_FILE } from './backup-manifest';

export interface BackupSummary {
  name: string;
  createdAt: Date;
  bytes: number;
  databases: string[];
}

/** Backup folders are named after their start time (`2026-11-24T03-00-00-000Z`), so names sort in time order. */
const BACKUP_NAME = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z(-\d+)?$/;

export function backupName(time: Date, attempt = 0): string {
  const name = time.toISOString().replace(/[:.]/g, '-');
  return attempt ? `${name}-${attempt}` : name;
}

/** Complete backups under `dir`, newest first (a backup without its manifest is incomplete and not listed). */
export async function listBackups(dir: string): Promise<BackupSummary[]> {
  const backups: BackupSummary[] = [];
  for (const name of await backupFolders(dir)) {
    const manifest = await fs
      .readFile(path.join(dir, name, MANIFEST_FILE), 'utf8')
      .then((text) => JSON.parse(text) as BackupManifest)
      .catch(() => undefined);
    if (!manifest || !Array.isArray(manifest.databases) || Number.isNaN(Date.parse(manifest.createdAt))) continue;
    backups.push({ name, createdAt: new Date(manifest.createdAt), bytes: await folderBytes(path.join(dir, name)), databases: manifest.databases.map((database) => database.name) });
  }
  return backups.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.name.localeCompare(a.name));
}

/**
 * Keeps the newest `keep` complete backups under `dir` and deletes the older
 * ones, and incomplete folders older than the oldest backup kept (left by a
 * backup that crashed). Only folders named like backups are touched, whatever
 * else `dir` holds. Returns the names deleted.
 */
export async function pruneBackups(dir: string, keep: number): Promise<string[]> {
  if (keep < 1) return [];
  const complete = await listBackups(dir);
  const kept = complete.slice(0, keep);
  if (kept.length < keep) return [];
  const oldestKept = kept[kept.length - 1].name;
  const keptNames = new Set(kept.map((backup) => backup.name));
  const doomed = (await backupFolders(dir)).sort().filter((name) => !keptNames.has(name) && (complete.some((backup) => backup.name === name) || name < oldestKept));
  for (const name of doomed) await fs.rm(path.join(dir, name), { recursive: true, force: true });
  return doomed;
}

async function backupFolders(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries.filter((entry) => entry.isDirectory() && BACKUP_NAME.test(entry.name)).map((entry) => entry.name);
}

async function folderBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    bytes += entry.isDirectory() ? await folderBytes(file) : (await fs.stat(file)).size;
  }
  return bytes;
}
