import { randomUUID } from 'node:crypto';
import { PostgresLogStore, StoredLogEntry } from '../src';
import { useLogsStore } from './support/logs-store';

/**
 * The PostgreSQL store answers a text search newest-first through the time index
 * when that is quick, else from the text index alone when it selects few entries,
 * else newest-first after all: every way must give the same pages.
 */
const logs = useLogsStore();
let indexFirst: PostgresLogStore;
let timeFirst: PostgresLogStore;
let timeBounded: PostgresLogStore;

const T0 = Date.parse('2026-11-20T10:00:00Z');
const WORDS = ['timeout', 'provider', 'coingecko', 'order', 'placed', 'refused'];

beforeAll(async () => {
  const { orm } = logs;
  indexFirst = new PostgresLogStore(orm, { newestFirstBudgetMs: 0, textMatchesSortedInFull: 1_000 });
  // The text index never answers (or only when nothing matches): newest first after all.
  timeFirst = new PostgresLogStore(orm, { newestFirstBudgetMs: 0, textMatchesSortedInFull: 0 });
  // Newest first within a budget it keeps here.
  timeBounded = new PostgresLogStore(orm, { newestFirstBudgetMs: 10_000, textMatchesSortedInFull: 0 });
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
  expect(await pages(timeBounded, text, services)).toEqual(expected);
  // Newest first, every page full but the last.
  const flat = expected.flat();
  expect(new Set(flat).size).toBe(flat.length);
  expect(expected.slice(0, -1).every((page) => page.length === 4)).toBe(true);
});

it('gives up on the newest-first plan past its budget and asks the text index', async () => {
  const budgeted = new PostgresLogStore(logs.orm, { newestFirstBudgetMs: 50, textMatchesSortedInFull: 1_000 });
  const expected = await timeFirst.search({ text: 'coingecko order' }, 4);
  // A lock held elsewhere keeps every read of the table waiting: the newest-first read is cancelled
  // at its budget, and the text index's read is seen waiting next, until the lock goes.
  let answer: Promise<unknown> = Promise.resolve();
  await logs.orm.em.fork().transactional(async (locking) => {
    await locking.execute('LOCK TABLE log_entries IN ACCESS EXCLUSIVE MODE');
    answer = budgeted.search({ text: 'coingecko order' }, 4);
    // Settled only after the lock goes: a failure is reported by the assertion below, not as unhandled.
    answer.catch(() => undefined);
    await waitFor(async () => {
      const waiting = await logs.orm.em.fork().execute<{ query: string }[]>(`SELECT query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%count(*) OVER ()%'`);
      return waiting.length > 0;
    });
  });
  expect(await answer).toEqual(expected);
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

it('finds the words of field names and values as well as of messages', async () => {
  expect((await pages(indexFirst, 'attempt')).flat()).toHaveLength(60);
  // attempt 3 (every fourth entry), "#3" in one message that is among them.
  expect((await pages(indexFirst, '3')).flat()).toHaveLength(15);
  expect(await pages(timeFirst, '3')).toEqual(await pages(indexFirst, '3'));
});

it('finds what each way should', async () => {
  expect((await pages(indexFirst, 'timeout')).flat()).toHaveLength(10);
  expect((await pages(indexFirst, 'nowhere')).flat()).toEqual([]);
  expect((await pages(indexFirst, '#17')).flat()).toEqual([`${WORDS[17 % WORDS.length]} ${WORDS[(17 * 5) % WORDS.length]} #17`]);
});

describe('a search of several words written as one (a host, a path, an address)', () => {
  const service = 'hosts';
  const messages = ['fetch https://api.coingecko.com/api/v3/simple failed', 'coingecko answered for api v3', 'read /var/lib/herck/data.json'];

  beforeAll(async () => {
    await indexFirst.insert(messages.map((message, index) => ({ id: randomUUID(), time: new Date(T0 + 3_600_000 + index * 1000), service, level: 'info', message, requestId: null, fields: {}, bytes: 50 })));
  });

  const found = async (text: string) => (await indexFirst.search({ services: [service], text }, 10)).map((entry) => entry.message).sort();

  it('finds them next to each other, as written', async () => {
    expect(await found('api.coingecko.com')).toEqual([messages[0]]);
    expect(await found('data.json')).toEqual([messages[2]]);
    expect(await found('"coingecko com"')).toEqual([messages[0]]);
    // The words alone are anywhere in the entry.
    expect(await found('coingecko api')).toEqual(messages.slice(0, 2).sort());
    expect(await found('-api.coingecko.com coingecko')).toEqual([messages[1]]);
  });

  it('keeps or as the web search\'s operator, and a quoted "or" as a word', async () => {
    expect(await found('data.json or answered')).toEqual(messages.slice(1).sort());
    expect(await found('"or"')).toEqual([]);
  });
});

describe('`or` in a search', () => {
  const service = 'either';
  // The entries of the audit that found `or` binding looser than the words around it.
  const messages = ['coingecko timeout after 3000 ms', 'connection refused by upstream', 'timeout waiting for lock', 'timeout'];

  beforeAll(async () => {
    await indexFirst.insert(
      messages.map((message, index) => ({ id: randomUUID(), time: new Date(T0 + 7_200_000 + index * 1000), service, level: 'info', message, requestId: null, fields: index === 3 ? { code: 'ECONNRESET' } : {}, bytes: 50 })),
    );
  });

  const found = async (text: string) => (await indexFirst.search({ services: [service], text }, 10)).map((entry) => entry.message).sort();

  it('joins the terms on either side of it only, as web searches read it: every other word must still appear', async () => {
    // coingecko, and timeout or refused: not "connection refused", which has no coingecko.
    expect(await found('coingecko timeout or refused')).toEqual([messages[0]]);
    expect(await found('refused or timeout coingecko')).toEqual([messages[0]]);
    // The same words in any order find the same entries.
    expect(await found('timeout or econnreset -lock')).toEqual([messages[0], messages[3]].sort());
    expect(await found('-lock timeout or econnreset')).toEqual([messages[0], messages[3]].sort());
    // Chained, one group; with nothing on one side, it joins nothing.
    expect(await found('lock or upstream or econnreset')).toEqual(messages.slice(1).sort());
    expect(await found('or refused')).toEqual([messages[1]]);
    expect(await found('refused or')).toEqual([messages[1]]);
    // Slower ways give the same.
    expect((await timeFirst.search({ services: [service], text: 'coingecko timeout or refused' }, 10)).map((entry) => entry.message)).toEqual([messages[0]]);
  });
});
