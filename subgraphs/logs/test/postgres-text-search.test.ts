import { randomUUID } from 'node:crypto';
import { Logger, openSubgraphStore, Orm, testEnvironment, TestEnvironment } from '@herck/common';
import { logsStore, PostgresLogStore, readLogsConfig, StoredLogEntry } from '../src';

/**
 * The PostgreSQL store answers a text search from the text index alone when it
 * matches few entries, and newest-first through the time index otherwise: both
 * ways must give the same pages.
 */
let environment: TestEnvironment;
let orm: Orm;
let indexFirst: PostgresLogStore;
let timeFirst: PostgresLogStore;

const T0 = Date.parse('2026-11-20T10:00:00Z');
const WORDS = ['timeout', 'provider', 'coingecko', 'order', 'placed', 'refused'];

beforeAll(async () => {
  environment = testEnvironment();
  orm = await openSubgraphStore(readLogsConfig(environment.env), new Logger('logs', 'error'), logsStore);
  // Index first for anything but the largest searches, and (almost) never.
  indexFirst = new PostgresLogStore(orm, { textMatchesSortedInFull: 1_000 });
  timeFirst = new PostgresLogStore(orm, { textMatchesSortedInFull: 0 });
  const entries: StoredLogEntry[] = Array.from({ length: 60 }, (_, index) => ({
    id: randomUUID(),
    // Some entries share a time: pages are ordered by id among them.
    time: new Date(T0 + Math.floor(index / 3) * 1000),
    service: index % 2 ? 'market' : 'orders',
    level: 'info',
    message: `${WORDS[index % WORDS.length]} ${WORDS[(index * 5) % WORDS.length]} #${index}`,
    requestId: null,
    fields: { attempt: index % 4 },
    bytes: 50,
  }));
  await indexFirst.insert(entries);
});

afterAll(async () => {
  await orm?.close();
  await environment?.cleanUp();
});

async function pages(store: PostgresLogStore, text: string, services?: string[]): Promise<string[][]> {
  const found: string[][] = [];
  let after: { time: Date; id: string } | undefined;
  for (;;) {
    const page = await store.search({ text, ...(services && { services }) }, 4, after);
    if (!page.length) return found;
    found.push(page.map((entry) => entry.message));
    const last = page[page.length - 1]!;
    after = { time: last.time, id: last.id };
  }
}

it.each([
  ['a common word', 'timeout', undefined],
  ['two words that meet', 'coingecko order', undefined],
  ['two words that never meet', 'timeout provider', undefined],
  ['a word of the fields', '3', ['market']],
  ['a rare word', '#17', undefined],
  ['an absent word', 'nowhere', undefined],
])('gives the same pages either way: %s', async (_case, text, services) => {
  const expected = await pages(timeFirst, text, services);
  expect(await pages(indexFirst, text, services)).toEqual(expected);
  // Newest first, every page full but the last.
  const flat = expected.flat();
  expect(new Set(flat).size).toBe(flat.length);
  expect(expected.slice(0, -1).every((page) => page.length === 4)).toBe(true);
});

it('finds what each way should', async () => {
  expect((await pages(indexFirst, 'timeout')).flat()).toHaveLength(10);
  expect((await pages(indexFirst, 'nowhere')).flat()).toEqual([]);
  expect((await pages(indexFirst, '#17')).flat()).toEqual([`${WORDS[17 % WORDS.length]} ${WORDS[(17 * 5) % WORDS.length]} #17`]);
});
