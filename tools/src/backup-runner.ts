import fs from 'node:fs';
import path from 'node:path';
import { BackupError, Environment, EnvReader, Logger, pruneBackups, readBaseConfig, restoreBackup, RestoreOptions, writeBackup, WrittenBackup } from '@herck/common';
import { BackupSettings, herckStores, readBackupSettings } from './herck-stores';

function settingsFrom(source: Environment): BackupSettings {
  const env = new EnvReader(source);
  return env.finish(readBackupSettings(env, readBaseConfig(env)));
}

/** `npm run backup` and the schedule: one backup of every store, then the oldest beyond `BACKUP_KEEP` deleted. */
export async function backUpHerck(source: Environment, logger: Logger): Promise<WrittenBackup & { pruned: string[] }> {
  const settings = settingsFrom(source);
  const written = await writeBackup(herckStores(source), settings.dir, logger);
  const pruned = await pruneBackups(settings.dir, settings.keep);
  if (pruned.length) logger.info('old backups deleted', { keep: settings.keep, deleted: pruned });
  return { ...written, pruned };
}

/** `npm run restore -- <dir>`: `dir` is a backup's folder, or the name of one under `BACKUP_DIR`. */
export async function restoreHerck(source: Environment, dir: string, options: RestoreOptions, logger: Logger): Promise<{ dir: string; databases: string[]; rows: number }> {
  const settings = settingsFrom(source);
  const candidates = [path.resolve(dir), path.join(settings.dir, dir)];
  const found = candidates.find((candidate) => fs.statSync(candidate, { throwIfNoEntry: false })?.isDirectory());
  if (!found) throw new BackupError(`no backup folder ${dir} (looked in ${[...new Set(candidates)].join(' and ')})`);
  return { dir: found, ...(await restoreBackup(herckStores(source), found, options, logger)) };
}

/**
 * Backs up every `intervalHours` while `npm start` runs, the first one an
 * interval after start. A backup that fails is logged and the platform goes
 * on; backups never overlap. Stopping does not wait for one under way: it
 * fails when the database stops and leaves no manifest, so it is never
 * listed, and a later prune deletes its folder.
 */
export function scheduleBackups(source: Environment, intervalHours: number, logger: Logger): { stop(): void } {
  const intervalMs = intervalHours * 3_600_000;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = async () => {
    const started = Date.now();
    try {
      await backUpHerck(source, logger);
    } catch (error) {
      logger.error('scheduled backup failed', { error });
    }
    if (!stopped) timer = setTimeout(() => void run(), Math.max(0, started + intervalMs - Date.now()));
  };
  timer = setTimeout(() => void run(), intervalMs);
  logger.info('backups scheduled', { everyHours: intervalHours, dir: settingsFrom(source).dir });
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
