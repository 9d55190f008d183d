import fs from 'node:fs';
import path from 'node:path';
import { isStoreUnavailable, Logger, Mailer } from '@herck/common';
import { ArchiveRecord, LogStore, LogPosition, ServiceUsage } from '../store/log-store';
import { archiveFileName, archiveLine, archiveOfPartialFile, ArchiveWriter, partialFileName, readArchiveIds } from './archive-file';

export interface ArchiveSettings {
  maxBytesPerService: number;
  keepBytesPerService: number;
  archiveDir: string;
}

/** Entries read from the store at a time while an archive is written. */
const PAGE = 2_000;

/**
 * How old a half-written archive file must be before it is taken for a leftover: an archive at work
 * (here, or in another replica sharing the folder) writes to its file all the time and finishes it
 * within seconds, so one untouched for an hour belongs to a process that died.
 */
export const LEFTOVER_AGE_MS = 60 * 60_000;

/**
 * Moves a service's oldest entries into a compressed file once its stored logs
 * pass the threshold: the file is written, synced and read back, and only then
 * are exactly those entries deleted (with the archive's record, in one
 * transaction); a file that could not be written deletes nothing. Every active
 * admin is mailed the file's name.
 */
export class LogArchiver {
  private readonly running = new Map<string, Promise<void>>();
  private readonly checks = new Set<Promise<void>>();

  constructor(
    private readonly store: LogStore,
    private readonly settings: ArchiveSettings,
    private readonly admins: () => Promise<string[]>,
    private readonly mailer: Mailer,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Archives every service (or these) over the threshold; a service already being archived is not started twice. */
  async check(services?: Iterable<string>): Promise<void> {
    const wanted = services ? new Set(services) : undefined;
    const checking = this.store
      .usage()
      .then((usages) => Promise.all(usages.filter((usage) => usage.bytes > this.settings.maxBytesPerService && (!wanted || wanted.has(usage.service))).map((usage) => this.archiveOnce(usage))))
      .then(() => undefined)
      // Never a rejection: callers fire and forget (after each ingested batch), and the next check retries.
      .catch((error: unknown) => this.logger.error('log threshold check failed', { error }));
    this.checks.add(checking);
    await checking.finally(() => this.checks.delete(checking));
  }

  /** Resolves when the checks and archives under way are done (shutdown, tests). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.checks, ...this.running.values()]);
    if (this.checks.size || this.running.size) await this.idle();
  }

  /**
   * Removes the half-written `.partial` files of archives whose process was killed (at housekeeping):
   * never the only copy of an entry, since entries leave the store only once the finished file has
   * its own name and its record. Files younger than LEFTOVER_AGE_MS (an archive at work, here or in
   * another replica sharing the folder) and files of other names are left alone.
   *
   * A finished file the store does not list is kept: it may duplicate entries still stored (its
   * process killed before recording it), or hold the only copy of entries that a restored or
   * replaced store never had (see README, "Backups").
   */
  async removeLeftovers(): Promise<void> {
    const names = await fs.promises.readdir(this.settings.archiveDir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    for (const name of names.filter((name) => archiveOfPartialFile(name) !== undefined)) {
      const file = path.join(this.settings.archiveDir, name);
      const stat = await fs.promises.stat(file).catch(() => undefined);
      if (!stat?.isFile() || stat.mtimeMs >= Date.now() - LEFTOVER_AGE_MS) continue;
      await fs.promises.rm(file, { force: true });
      this.logger.warn('half-written log archive removed: its process stopped while writing it; its entries are still stored', { fileName: name });
    }
  }

  private archiveOnce(usage: ServiceUsage): Promise<void> {
    let run = this.running.get(usage.service);
    if (!run) {
      run = this.archive(usage)
        .catch((error: unknown) => this.logger.error('log archive failed; entries stay in the store', { archivedService: usage.service, error }))
        .finally(() => this.running.delete(usage.service));
      this.running.set(usage.service, run);
    }
    return run;
  }

  private async archive({ service }: ServiceUsage): Promise<void> {
    // Read again now that this run is the service's only one: the usage the check read may be from before
    // a run that has archived since, and archiving its excess again would leave far less than the threshold keeps.
    const bytes = (await this.store.usage()).find((usage) => usage.service === service)?.bytes ?? 0;
    if (bytes <= this.settings.maxBytesPerService) return;
    const excess = bytes - this.settings.keepBytesPerService;
    await fs.promises.mkdir(this.settings.archiveDir, { recursive: true, mode: 0o700 });
    const fileName = this.freeName(service);
    const finalPath = path.join(this.settings.archiveDir, fileName);
    const writer = new ArchiveWriter(path.join(this.settings.archiveDir, partialFileName(fileName)));
    const ids: string[] = [];
    let moved = 0;
    let first: Date | undefined;
    let last: LogPosition | undefined;
    try {
      while (moved < excess) {
        const page = await this.store.oldest(service, PAGE, last);
        if (!page.length) break;
        for (const entry of page) {
          if (moved >= excess) break;
          await writer.write(archiveLine(entry));
          ids.push(entry.id);
          moved += entry.bytes;
          first ??= entry.time;
          last = { time: entry.time, id: entry.id };
        }
      }
      await writer.finish();
      const written = await readArchiveIds(writer.path);
      if (written.length !== ids.length || written.some((id, index) => id !== ids[index])) throw new Error(`${fileName}: read back ${written.length} entries, wrote ${ids.length}`);
      if (!ids.length) return void (await writer.discard());
      // A hard link never replaces an existing file, unlike rename.
      await fs.promises.link(writer.path, finalPath);
      await fs.promises.rm(writer.path);
      // The file's name is on disk too before its entries leave the store.
      await syncDirectory(this.settings.archiveDir);
    } catch (error) {
      await writer.discard();
      throw error;
    }
    const stat = await fs.promises.stat(finalPath);
    const record: ArchiveRecord = { fileName, service, from: first!, to: last!.time, entries: ids.length, bytes: stat.size, createdAt: this.now() };
    try {
      await this.store.archived(service, ids, record);
    } catch (error) {
      await this.afterFailedRecord(record, finalPath, error);
    }
    this.logger.info('logs archived', { archivedService: service, fileName, entries: ids.length, bytes: stat.size });
    await this.mailAdmins(service, fileName, ids.length);
  }

  /**
   * The store's write failed, or said so: a connection lost at COMMIT reports a failure for a write that
   * went through, and then the file holds the only copy of its entries (removing it lost them). Returns
   * when the store names the file (the archive stands); removes the file only when the store surely does
   * not, and keeps it when that cannot be told (unnamed, it is harmless: its entries are still stored and go
   * to a later archive).
   */
  private async afterFailedRecord({ fileName, createdAt }: ArchiveRecord, finalPath: string, error: unknown): Promise<void> {
    // This very record, not another of the same name (its file removed by hand, the name made again).
    const recorded = await this.store.archives().then(
      (archives) => archives.some((archive) => archive.fileName === fileName && archive.createdAt.getTime() === createdAt.getTime()),
      () => undefined,
    );
    if (recorded) return this.logger.warn('log archive recorded though the store reported a failure; its file is kept', { fileName, error });
    if (recorded === false && !isStoreUnavailable(error)) {
      await fs.promises.rm(finalPath, { force: true });
      throw error;
    }
    this.logger.warn('log archive file kept: whether the store recorded it is unknown', { fileName });
    throw error;
  }

  /** The name for now; within the same second as an earlier archive of the service, the next free second. */
  private freeName(service: string): string {
    for (let offset = 0; ; offset++) {
      const name = archiveFileName(service, new Date(this.now().getTime() + offset * 1000));
      if (!fs.existsSync(path.join(this.settings.archiveDir, name))) return name;
    }
  }

  private async mailAdmins(service: string, fileName: string, entries: number): Promise<void> {
    const text =
      `The logs of ${service} passed ${this.settings.maxBytesPerService} bytes. Its ${entries} oldest entries were moved to ${fileName} ` +
      `(download it with an admin token from the gateway's /logs/archives/${fileName}).`;
    for (const to of await this.admins()) {
      await this.mailer.send({ to, subject: `Herck: ${service} logs archived to ${fileName}`, text }).catch((error: unknown) => this.logger.error('archive mail failed', { to, fileName, error }));
    }
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
