import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Logger } from '@herck/common';
import { LogStore, PostgresLogStore, StoredLogEntry } from '../src';
import { LEFTOVER_AGE_MS, LogArchiver } from '../src/modules/archive/log-archiver';
import { useLogsStore } from './support/logs-store';

const T0 = Date.parse('2026-11-20T10:00:00Z');

/** A service of its own for each test: archive names (service and second) never meet another test's, or another run's. */
function newService(): string {
  return `archiver-${randomUUID().slice(0, 8)}`;
}

function entry(service: string, minute: number): StoredLogEntry {
  return { id: randomUUID(), time: new Date(T0 + minute * 60_000), service, level: 'info', message: `entry ${minute}`, requestId: null, fields: {}, bytes: 100 };
}

function entries(service: string): StoredLogEntry[] {
  return [...Array(8).keys()].map((minute) => entry(service, minute));
}

const logs = useLogsStore();
let archiveDir: string;

beforeEach(async () => {
  archiveDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'herck-archiver-'));
});
afterEach(async () => {
  await fs.promises.rm(archiveDir, { recursive: true, force: true });
});

/** The store, but its `archived` answers `failure` after doing what it does (or instead of it). */
function storeWhoseArchiveFails(store: LogStore, failure: Error, commitFirst: boolean): LogStore {
  return Object.assign(Object.create(store) as LogStore, {
    async archived(...args: Parameters<LogStore['archived']>) {
      if (commitFirst) await store.archived(...args);
      throw failure;
    },
  });
}

const archiverOf = (store: LogStore) =>
  new LogArchiver(store, { maxBytesPerService: 500, keepBytesPerService: 300, archiveDir }, async () => [], { send: async () => undefined }, new Logger('logs', 'error'));

async function archiveWith(store: LogStore, service: string): Promise<void> {
  const archiver = archiverOf(store);
  await archiver.check([service]);
  await archiver.idle();
}

/** A file in the archive folder, last written `ageMs` ago (by the system's clock, as file times are). */
async function fileAged(name: string, ageMs: number): Promise<void> {
  const file = path.join(archiveDir, name);
  await fs.promises.writeFile(file, 'left over');
  const at = new Date(Date.now() - ageMs);
  await fs.promises.utimes(file, at, at);
}

describe('a check whose usage is older than a run that has archived since', () => {
  it('archives nothing more: the run reads the usage again, and the service keeps what the threshold keeps', async () => {
    const service = newService();
    const store = new PostgresLogStore(logs.orm);
    await store.insert(entries(service));
    const usageBefore = await store.usage();
    // The second check's read answers what the store held before the first run (it read before that run committed).
    let readStale = false;
    const stale = Object.assign(Object.create(store) as LogStore, {
      async usage() {
        if (!readStale) return store.usage();
        readStale = false;
        return usageBefore;
      },
    });
    const archiver = archiverOf(stale);
    await archiver.check([service]);
    await archiver.idle();
    readStale = true;
    await archiver.check([service]);
    await archiver.idle();
    expect((await store.usage()).find((usage) => usage.service === service)?.bytes).toBe(300);
    expect((await store.archives()).filter((archive) => archive.service === service)).toHaveLength(1);
  });
});

describe('an archive whose store write reports a failure', () => {
  it('keeps its file when the write went through all the same (the connection dropped at COMMIT): the entries are only there', async () => {
    const store = new PostgresLogStore(logs.orm);
    const service = newService();
    await store.insert(entries(service));
    await archiveWith(storeWhoseArchiveFails(store, new Error('Connection terminated unexpectedly'), true), service);

    const [record] = (await store.archives()).filter((archive) => archive.service === service);
    expect(record).toBeDefined();
    // The store says these entries are in the file: the file must be there to hold them.
    expect(fs.existsSync(path.join(archiveDir, record!.fileName))).toBe(true);
    expect((await store.oldest(service, 100)).length + record!.entries).toBe(8);
  });

  it('keeps its file when the store cannot be asked whether it recorded it: the entries may be only there', async () => {
    const store = new PostgresLogStore(logs.orm);
    const service = newService();
    await store.insert(entries(service));
    const unreachable = storeWhoseArchiveFails(store, new Error('Connection terminated unexpectedly'), true);
    unreachable.archives = async () => {
      throw new Error('Connection terminated unexpectedly');
    };
    await archiveWith(unreachable, service);

    const [record] = (await store.archives()).filter((archive) => archive.service === service);
    expect(fs.existsSync(path.join(archiveDir, record!.fileName))).toBe(true);
  });

  it('removes its file when the write was refused: the entries stay in the store, and nothing names the file', async () => {
    const store = new PostgresLogStore(logs.orm);
    const service = newService();
    await store.insert(entries(service));
    await archiveWith(storeWhoseArchiveFails(store, new Error('archive refused'), false), service);

    expect((await store.archives()).filter((archive) => archive.service === service)).toEqual([]);
    expect(await fs.promises.readdir(archiveDir)).toEqual([]);
    expect(await store.oldest(service, 100)).toHaveLength(8);
  });
});

describe('leftovers of a process killed in the middle of an archive', () => {
  const HOUR_AND_A_MINUTE = LEFTOVER_AGE_MS + 60_000;

  it('are removed at housekeeping once an hour old: half-written files only, never a finished archive', async () => {
    const store = new PostgresLogStore(logs.orm);
    const service = newService();
    // Half-written an hour ago: a process killed while writing it.
    await fileAged(`.${service}_20261120T090000Z.log.gz.partial`, HOUR_AND_A_MINUTE);
    // Still being written, here or by another replica.
    await fileAged(`.${service}_20261120T100000Z.log.gz.partial`, 1_000);
    // Finished but not in the store's list: a duplicate of stored entries, or the only copy of entries a restored store never had.
    await fileAged(`${service}_20261120T090000Z.log.gz`, HOUR_AND_A_MINUTE);
    // Not an archive's name: somebody else's files.
    await fileAged('notes.txt', HOUR_AND_A_MINUTE);
    await fileAged('.notes.txt.partial', HOUR_AND_A_MINUTE);

    await archiverOf(store).removeLeftovers();

    expect((await fs.promises.readdir(archiveDir)).sort()).toEqual(
      [`.${service}_20261120T100000Z.log.gz.partial`, '.notes.txt.partial', `${service}_20261120T090000Z.log.gz`, 'notes.txt'].sort(),
    );
  });

  it('leave a recorded archive and its entries alone, and do nothing without a folder', async () => {
    const store = new PostgresLogStore(logs.orm);
    const service = newService();
    await store.insert(entries(service));
    await archiveWith(store, service);
    const [recorded] = (await store.archives()).filter((archive) => archive.service === service);
    const longAgo = new Date(Date.now() - HOUR_AND_A_MINUTE);
    await fs.promises.utimes(path.join(archiveDir, recorded!.fileName), longAgo, longAgo);

    await archiverOf(store).removeLeftovers();
    expect(await fs.promises.readdir(archiveDir)).toEqual([recorded!.fileName]);

    await fs.promises.rm(archiveDir, { recursive: true });
    await expect(archiverOf(store).removeLeftovers()).resolves.toBeUndefined();
  });
});
