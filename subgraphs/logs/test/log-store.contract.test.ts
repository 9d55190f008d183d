import { randomUUID } from 'node:crypto';
import { BadUserInputError, Logger, openSubgraphStore, Orm, testEnvironment, TestEnvironment } from '@herck/common';
import { LogStore, logsStore, PostgresLogStore, readLogsConfig, StoredLogEntry } from '../src';
import { MongoLogStore } from '../src/modules/store/mongo/mongo-log-store';
import { LogQueryService } from '../src/modules/entry/log-query.service';

/**
 * One suite for every store: PostgreSQL always, MongoDB whenever
 * LOGS_MONGODB_URL names a server (each run in a database of its own).
 */
interface StoreUnderTest {
  store: LogStore;
  close(): Promise<void>;
}

const stores: [string, () => Promise<StoreUnderTest>][] = [
  [
    'PostgreSQL',
    async () => {
      const environment: TestEnvironment = testEnvironment();
      const orm: Orm = await openSubgraphStore(readLogsConfig(environment.env), new Logger('logs', 'error'), logsStore);
      return {
        store: new PostgresLogStore(orm),
        close: async () => {
          await orm.close();
          await environment.cleanUp();
        },
      };
    },
  ],
];
const mongoUrl = process.env.LOGS_MONGODB_URL;
if (mongoUrl) {
  stores.push([
    'MongoDB',
    async () => {
      const url = new URL(mongoUrl);
      url.pathname = `/herck_logs_test_${randomUUID().slice(0, 8)}`;
      const store = await MongoLogStore.open(url.toString());
      return { store, close: () => store.close() };
    },
  ]);
}

const T0 = Date.parse('2026-11-20T10:00:00Z');

function entry(service: string, minute: number, overrides: Partial<StoredLogEntry> = {}): StoredLogEntry {
  return {
    id: randomUUID(),
    time: new Date(T0 + minute * 60_000),
    service,
    level: 'info',
    message: `entry ${minute} of ${service}`,
    requestId: null,
    fields: {},
    bytes: 100,
    ...overrides,
  };
}

describe.each(stores)('the %s log store', (_name, open) => {
  let subject: StoreUnderTest;
  let store: LogStore;

  beforeAll(async () => {
    subject = await open();
    store = subject.store;
  });
  afterAll(() => subject?.close());

  it('stores entries with their fields and keeps each service’s usage', async () => {
    const entries = [
      entry('account', 0, { level: 'warn', requestId: 'req-00000001', fields: { route: '/graphql', attempt: 2, nested: { ok: true } }, bytes: 120 }),
      entry('account', 1, { bytes: 80 }),
      entry('market', 2, { level: 'error', message: 'provider coingecko failed with timeout', bytes: 300 }),
    ];
    await store.insert(entries);
    const [stored] = await store.search({ requestId: 'req-00000001' }, 10);
    expect(stored).toEqual(entries[0]);
    expect(await store.usage()).toEqual([
      { service: 'account', bytes: 200, entries: 2 },
      { service: 'market', bytes: 300, entries: 1 },
    ]);
  });

  it('stores an entry it already holds (a retried batch) once, and counts it once', async () => {
    const before = await store.usage();
    const [again] = await store.search({ requestId: 'req-00000001' }, 10);
    await store.insert([again!]);
    expect(await store.search({ requestId: 'req-00000001' }, 10)).toHaveLength(1);
    expect(await store.usage()).toEqual(before);
  });

  it('searches newest first by service, level, time range and text, and pages by position', async () => {
    const all = await store.search({}, 10);
    expect(all.map((found) => found.time.toISOString())).toEqual(['2026-11-20T10:02:00.000Z', '2026-11-20T10:01:00.000Z', '2026-11-20T10:00:00.000Z']);
    const firstPage = await store.search({}, 2);
    const secondPage = await store.search({}, 2, { time: firstPage[1]!.time, id: firstPage[1]!.id });
    expect(secondPage.map((found) => found.id)).toEqual([all[2]!.id]);
    expect((await store.search({ services: ['market'] }, 10)).map((found) => found.service)).toEqual(['market']);
    expect((await store.search({ levels: ['warn', 'error'] }, 10)).map((found) => found.level)).toEqual(['error', 'warn']);
    expect(await store.search({ from: new Date(T0 + 60_000), to: new Date(T0 + 60_000) }, 10)).toHaveLength(1);
    expect((await store.search({ text: 'coingecko timeout' }, 10)).map((found) => found.service)).toEqual(['market']);
    expect(await store.search({ text: 'coingecko', services: ['account'] }, 10)).toEqual([]);
    // Every word must appear: one that matches and one that does not find nothing.
    expect(await store.search({ text: 'coingecko nowhere' }, 10)).toEqual([]);
    // Words in the fields count too.
    expect((await store.search({ text: '/graphql' }, 10)).map((found) => found.requestId)).toEqual(['req-00000001']);
  });

  it('counts entries per bucket, service and level', async () => {
    const hours = await store.stats(new Date(T0 - 3_600_000), new Date(T0 + 3_600_000), 'hour');
    expect(hours.map(({ start, service, level, count }) => [start.toISOString(), service, level, count])).toEqual([
      ['2026-11-20T10:00:00.000Z', 'account', 'info', 1],
      ['2026-11-20T10:00:00.000Z', 'account', 'warn', 1],
      ['2026-11-20T10:00:00.000Z', 'market', 'error', 1],
    ]);
    const minutes = await store.stats(new Date(T0), new Date(T0 + 60_000), 'minute');
    expect(minutes.map(({ start, count }) => [start.toISOString(), count])).toEqual([
      ['2026-11-20T10:00:00.000Z', 1],
      ['2026-11-20T10:01:00.000Z', 1],
    ]);
  });

  it('hands out the oldest entries of a service and archives exactly those, or nothing', async () => {
    const extra = [entry('orders', 10), entry('orders', 11), entry('orders', 12)];
    await store.insert(extra);
    const oldest = await store.oldest('orders', 2);
    expect(oldest.map((found) => found.id)).toEqual([extra[0]!.id, extra[1]!.id]);
    expect((await store.oldest('orders', 5, { time: oldest[1]!.time, id: oldest[1]!.id })).map((found) => found.id)).toEqual([extra[2]!.id]);

    const record = { fileName: 'orders_20261120T101500Z.log.gz', service: 'orders', from: extra[0]!.time, to: extra[1]!.time, entries: 2, bytes: 77, createdAt: new Date(T0) };
    // An id the store does not hold: the whole archive is refused and nothing is deleted.
    await expect(store.archived('orders', [extra[0]!.id, randomUUID()], record)).rejects.toThrow();
    expect(await store.search({ services: ['orders'] }, 10)).toHaveLength(3);

    await store.archived('orders', [extra[0]!.id, extra[1]!.id], record);
    expect((await store.search({ services: ['orders'] }, 10)).map((found) => found.id)).toEqual([extra[2]!.id]);
    expect((await store.usage()).find((usage) => usage.service === 'orders')).toEqual({ service: 'orders', bytes: 100, entries: 1 });
    expect(await store.archives()).toEqual([record]);
  });

  it('deletes what a selection names and answers how many', async () => {
    expect(await store.delete({ services: ['account'], levels: ['warn'] })).toBe(1);
    expect(await store.delete({ services: ['account'], levels: ['warn'] })).toBe(0);
    expect((await store.usage()).find((usage) => usage.service === 'account')).toEqual({ service: 'account', bytes: 80, entries: 1 });
  });

  it('finds the gateway’s status samples of one service by a field', async () => {
    await store.insert([
      entry('gateway', 20, { message: 'service status', fields: { target: 'market', healthy: true, latencyMs: 3 } }),
      entry('gateway', 21, { message: 'service status', fields: { target: 'auth', healthy: true, latencyMs: 2 } }),
      entry('gateway', 22, { message: 'service status', fields: { target: 'market', healthy: false, lastError: 'connect ECONNREFUSED' } }),
    ]);
    const samples = await store.samples('gateway', 'service status', 'target', 'market', new Date(T0), new Date(T0 + 3_600_000), 10);
    expect(samples.map(({ time, fields }) => [time.toISOString(), fields.healthy])).toEqual([
      ['2026-11-20T10:20:00.000Z', true],
      ['2026-11-20T10:22:00.000Z', false],
    ]);
  });

  it('keeps every character of messages and fields as shipped (tabs, newlines, backslashes, quotes, non-Latin text)', async () => {
    const awkward = 'line one\nline\ttwo\r\nback\\slash \\N "quoted" ünïcödé 价格 🚀';
    const stored = entry('webhooks', 30, { message: awkward, requestId: 'req\\odd', fields: { body: awkward, path: 'C:\\temp\\x', list: ['\t', '\\', null] } });
    await store.insert([stored]);
    expect(await store.search({ services: ['webhooks'] }, 10)).toEqual([stored]);
  });

  it('finds the words inside hosts, URLs, paths and addresses, in any letter case of any script, however the entry was stored', async () => {
    const [url, french, russian] = [
      entry('words', 40, { message: 'fetch https://api.coingecko.com/api/v3/simple failed' }),
      entry('words', 41, { message: 'Échec de connexion à la base', fields: { file: '/var/lib/herck/data.json', to: 'Bob@Example.com' } }),
      entry('words', 42, { message: 'ОШИБКА соединения' }),
    ];
    await store.insert([url!, french!]);
    // A batch that also holds a stored entry is written the other way (see the test below): its words are the same.
    await store.insert([url!, russian!]);
    const found = async (text: string) => (await store.search({ services: ['words'], text }, 10)).map((hit) => hit.message);
    expect(await found('coingecko')).toEqual([url!.message]);
    expect(await found('COINGECKO simple')).toEqual([url!.message]);
    expect(await found('échec BASE')).toEqual([french!.message]);
    expect(await found('ÉCHEC')).toEqual([french!.message]);
    expect(await found('ошибка')).toEqual([russian!.message]);
    expect(await found('herck bob')).toEqual([french!.message]);
    expect(await found('coingecko -v3')).toEqual([]);
  });

  it('stores the new entries of a batch that also holds stored ones, and counts only those', async () => {
    const [held] = await store.search({ services: ['webhooks'] }, 1);
    const fresh = entry('webhooks', 31, { bytes: 50 });
    const before = (await store.usage()).find((usage) => usage.service === 'webhooks')!;
    await store.insert([held!, fresh]);
    expect((await store.search({ services: ['webhooks'] }, 10)).map((found) => found.id)).toEqual([fresh.id, held!.id]);
    expect((await store.usage()).find((usage) => usage.service === 'webhooks')).toEqual({ service: 'webhooks', bytes: before.bytes + 50, entries: before.entries + 1 });
  });

  it('exports every entry a filter selects a page at a time, newest first, each once, entries of one moment included', async () => {
    // 2,345 entries, three to a minute: pages of 1,000 end in the middle of a moment.
    const entries = Array.from({ length: 2_345 }, (_, index) => entry('exported', 1_000 + Math.floor(index / 3), { bytes: 1 }));
    await store.insert(entries);
    const queries = new LogQueryService(store, { maxQueryLength: 200, maxBytesPerService: 1_000_000 });
    const pages: StoredLogEntry[][] = [];
    for await (const page of await queries.exportPages({ services: ['exported'] })) pages.push(page);
    expect(pages.map((page) => page.length)).toEqual([1_000, 1_000, 345]);
    const exported = pages.flat();
    expect(new Set(exported.map((found) => found.id)).size).toBe(2_345);
    expect(exported.every((found, index) => index === 0 || exported[index - 1]!.time >= found.time)).toBe(true);
    // The filter is checked before anything is read, as for `logs`.
    await expect(queries.exportPages({ services: ['exported'], from: new Date(T0 + 60_000), to: new Date(T0) })).rejects.toThrow(BadUserInputError);
  });
});
