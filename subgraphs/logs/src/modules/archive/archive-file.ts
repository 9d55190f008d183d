import { once } from 'node:events';
import fs from 'node:fs';
import readline from 'node:readline';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { BadUserInputError, LOG_ARCHIVE_NAME } from '@herck/common';
import { StoredLogEntry } from '../store/log-store';

/** The archive of `service` written at `at` (see LOG_ARCHIVE_NAME). */
export function archiveFileName(service: string, at: Date): string {
  const stamp = at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  return `${service.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 64)}_${stamp}.log.gz`;
}

/** The file an archive is written to until it is finished: hidden, and not an archive's name. */
export function partialFileName(fileName: string): string {
  return `.${fileName}.partial`;
}

/** The archive a file is the unfinished copy of (see partialFileName), or undefined for any other file. */
export function archiveOfPartialFile(name: string): string | undefined {
  const archive = /^\.(.+)\.partial$/.exec(name)?.[1];
  return archive !== undefined && LOG_ARCHIVE_NAME.test(archive) ? archive : undefined;
}

/** An archive's name as a client gives it: anything else (a path separator, `..`) is refused. */
export function requireArchiveName(fileName: string): string {
  if (!LOG_ARCHIVE_NAME.test(fileName)) throw new BadUserInputError('Not an archive name', 'fileName');
  return fileName;
}

/** One entry as a line of an archive. */
export function archiveLine(entry: StoredLogEntry): string {
  const { id, time, service, level, message, requestId, fields } = entry;
  return JSON.stringify({ id, time: time.toISOString(), service, level, message, requestId, fields });
}

/** Writes gzip-compressed lines, on disk (fsync) before `finish` resolves; any write failure rejects. */
export class ArchiveWriter {
  private readonly gzip = zlib.createGzip();
  private readonly done: Promise<void>;
  private failure?: Error;

  constructor(readonly path: string) {
    // `wx`: a leftover file of the same name is an error, never overwritten.
    this.done = pipeline(this.gzip, fs.createWriteStream(path, { flags: 'wx', mode: 0o600 })).catch((error: Error) => {
      this.failure = error;
      throw error;
    });
    this.done.catch(() => undefined);
  }

  async write(line: string): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.gzip.write(line + '\n', 'utf8')) await Promise.race([once(this.gzip, 'drain'), this.done]);
  }

  async finish(): Promise<void> {
    this.gzip.end();
    await this.done;
    const handle = await fs.promises.open(this.path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Gives up: the file goes. */
  async discard(): Promise<void> {
    this.gzip.destroy();
    await this.done.catch(() => undefined);
    await fs.promises.rm(this.path, { force: true });
  }
}

/** Reads an archive back: the ids of its entries in order (every line must be a JSON entry). */
export async function readArchiveIds(path: string): Promise<string[]> {
  const lines = readline.createInterface({ input: fs.createReadStream(path).pipe(zlib.createGunzip()), crlfDelay: Infinity });
  const ids: string[] = [];
  for await (const line of lines) {
    const entry = JSON.parse(line) as { id?: unknown };
    if (typeof entry.id !== 'string') throw new Error(`${path}: a line without an id`);
    ids.push(entry.id);
  }
  return ids;
}
