import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Logger, openSubgraphStore, Orm, testEnvironment, TestEnvironment } from '@herck/common';
import { LogStore, logsStore, PostgresLogStore, readLogsConfig, StoredLogEntry } from '../src';
import { LogArchiver } from '../src/modules/archive/log-archiver';

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

let environment: TestEnvironment;
let orm: Orm;
let archiveDir: string;

beforeAll(async () => {
  environment = testEnvironment();
  orm = await openSubgraphStore(readLogsConfig(environment.env), new Logger('logs', 'error'), logsStore);
});
afterAll(async () => {
  await orm?.close();
  await environment?.cleanUp();
});
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

async function archiveWith(store: LogStore, service: string): Promise<void> {
  const archiver = new LogArchiver(store, { maxBytesPerService: 500, keepBytesPerService: 300, archiveDir }, async () => [], { send: async () => undefined }, new Logger('logs', 'error'));
  await archiver.check([service]);
  await archiver.idle();
}

describe('an archive whose store write reports a failure', () => {
  it('keeps its file when the write went through all the same (the connection dropped at COMMIT): the entries are only there', async () => {
    const store = new PostgresLogStore(orm);
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
    const store = new PostgresLogStore(orm);
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
    const store = new PostgresLogStore(orm);
    const service = newService();
    await store.insert(entries(service));
    await archiveWith(storeWhoseArchiveFails(store, new Error('archive refused'), false), service);

    expect((await store.archives()).filter((archive) => archive.service === service)).toEqual([]);
    expect(await fs.promises.readdir(archiveDir)).toEqual([]);
    expect(await store.oldest(service, 100)).toHaveLength(8);
  });
});
