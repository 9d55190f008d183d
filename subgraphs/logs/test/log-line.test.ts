import { v4 as randomUuid, v7 as timeOrderedUuid } from 'uuid';
import { entryIdsFor, MAX_NESTING, parseLogLine, TOO_DEEP } from '../src/modules/ingest/log-line';

const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('entry ids of a shipped batch', () => {
  it('are the same on every attempt, one per line, and another service’s batch id names other entries', () => {
    const batchId = timeOrderedUuid();
    const first = entryIdsFor(batchId, 'orders');
    const again = entryIdsFor(batchId, 'orders');
    const ids = [0, 1, 2, 999].map(first);
    expect([0, 1, 2, 999].map(again)).toEqual(ids);
    expect(new Set(ids).size).toBe(4);
    for (const id of ids) expect(id).toMatch(UUID_V8);
    expect(entryIdsFor(batchId, 'market')(0)).not.toBe(ids[0]);
    expect(entryIdsFor(batchId.toUpperCase(), 'orders')(0)).toBe(ids[0]);
  });

  it('follow the time of time-ordered batch ids, so new entries sort after older ones', () => {
    const earlier = timeOrderedUuid({ msecs: Date.UTC(2026, 11, 2, 12, 0, 0) });
    const later = timeOrderedUuid({ msecs: Date.UTC(2026, 11, 2, 12, 0, 1) });
    const last = entryIdsFor(earlier, 'zeta')(0xffffffff);
    const next = entryIdsFor(later, 'alpha')(0);
    expect(last < next).toBe(true);
    expect(next.replaceAll('-', '').slice(0, 12)).toBe(later.replaceAll('-', '').slice(0, 12));
  });

  it('come from the hash alone for other batch ids (still deterministic)', () => {
    const batchId = randomUuid();
    const id = entryIdsFor(batchId, 'orders')(7);
    expect(id).toMatch(UUID_V8);
    expect(id).toBe(entryIdsFor(batchId, 'orders')(7));
    expect(id.endsWith('00000007')).toBe(true);
    expect(id.slice(0, 8)).not.toBe(batchId.slice(0, 8));
  });
});

describe('a shipped line', () => {
  it('gets a time-ordered id when its batch has none', () => {
    const before = parseLogLine('{"msg":"a"}', 'orders', new Date())!;
    const after = parseLogLine('{"msg":"b"}', 'orders', new Date())!;
    expect(before.id[14]).toBe('7');
    expect(before.id < after.id).toBe(true);
  });
});

describe('a shipped line PostgreSQL could not store as it is', () => {
  it('has half a surrogate pair replaced, in keys and strings alike, and whole pairs kept', () => {
    const entry = parseLogLine('{"msg":"a\\ud800b","note":["\\udc00"],"k\\udbff":1,"rocket":"\\ud83d\\ude80"}', 'orders', new Date())!;
    expect(entry.message).toBe('a\ufffdb');
    expect(entry.fields).toEqual({ note: ['\ufffd'], 'k\ufffd': 1, rocket: '🚀' });
  });

  it('has an escaped NUL replaced, and keeps a text that reads backslash, u0000', () => {
    const entry = parseLogLine(JSON.stringify({ msg: 'a\u0000b', body: '{"name":"\\u0000"}', both: '\\\u0000' }), 'orders', new Date())!;
    expect(entry.message).toBe('a\ufffdb');
    expect(entry.fields).toEqual({ body: '{"name":"\\u0000"}', both: '\\\ufffd' });
  });

  it('has parts nested deeper than MAX_NESTING cut, and keeps the rest of the entry', () => {
    const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    // 20,000 levels overflowed JSON.stringify's stack when the batch was stored: the batch failed, and was resent for ever.
    const entry = parseLogLine(`{"msg":"deep","level":"warn","shallow":{"a":[1]},"text":"[[[{{{","payload":${deep(20_000)}}`, 'orders', new Date())!;
    expect(entry).toMatchObject({ message: 'deep', level: 'warn' });
    expect(entry.fields.shallow).toEqual({ a: [1] });
    expect(entry.fields.text).toBe('[[[{{{');
    expect(() => JSON.stringify(entry.fields)).not.toThrow();
    let level = 2;
    let part = entry.fields.payload;
    while (Array.isArray(part)) {
      part = part[0];
      level++;
    }
    expect(part).toBe(TOO_DEEP);
    expect(level).toBe(MAX_NESTING + 1);
    // Exactly MAX_NESTING deep (the line itself is the first level), and brackets inside strings: kept as they are.
    const atLimit = `{"msg":"ok","payload":${deep(MAX_NESTING - 1)},"s":"${'['.repeat(2 * MAX_NESTING)}"}`;
    expect(parseLogLine(atLimit, 'orders', new Date())!.fields).toEqual(JSON.parse(atLimit.replace('"msg":"ok",', '')));
  });

  it('takes the time of arrival for a time the store would refuse or read back otherwise', () => {
    const now = new Date('2026-12-02T12:00:00Z');
    const timeOf = (time: string | number) => parseLogLine(JSON.stringify({ msg: 'x', time }), 'orders', now)!.time;
    // Before PostgreSQL's first day, year 0, after 9999 (ISO text then needs six digits), and years
    // below 100 (read back a century off).
    for (const time of ['-010000-01-01T00:00:00Z', '0000-06-01T00:00:00Z', '+010000-01-01T00:00:00.000Z', 1e15, '0001-01-01T00:00:00Z', '0099-12-31T23:59:59Z']) {
      expect(timeOf(time)).toEqual(now);
    }
    for (const time of ['0100-01-01T00:00:00.000Z', '2026-12-03T11:59:59.999Z', '2026-12-02T11:59:59.123Z']) expect(timeOf(time).toISOString()).toBe(time);
    // More than a day ahead of its arrival (a clock gone wrong): it would stay first in every newest-first list.
    for (const time of ['2026-12-03T12:00:00.001Z', '2999-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z']) expect(timeOf(time)).toEqual(now);
  });

  it('keeps the other of msg and message as a field, and takes a numeric requestId as text', () => {
    const entry = parseLogLine(JSON.stringify({ msg: 'the text', message: 'also said', requestId: 42 }), 'orders', new Date())!;
    expect([entry.message, entry.fields, entry.requestId]).toEqual(['the text', { message: 'also said' }, '42']);
    const numeric = parseLogLine(JSON.stringify({ msg: 7, message: 'the text' }), 'orders', new Date())!;
    expect([numeric.message, numeric.fields]).toEqual(['the text', { msg: 7 }]);
  });
});

describe('the level of a shipped line', () => {
  it("reads pino's numbers, the four names in any case, and other loggers' names for them", () => {
    const levelOf = (level: unknown) => parseLogLine(JSON.stringify({ msg: 'x', level }), 'orders', new Date())!.level;
    expect([10, 20, 30, 40, 50, 60].map(levelOf)).toEqual(['debug', 'debug', 'info', 'warn', 'error', 'error']);
    expect(['DEBUG', 'Info', 'warn', 'ERROR'].map(levelOf)).toEqual(['debug', 'info', 'warn', 'error']);
    // Python's WARNING and CRITICAL, syslog's notice and crit, log4j's FATAL and TRACE: filed as INFO before.
    expect(['WARNING', 'critical', 'notice', 'crit', 'FATAL', 'TRACE', 'emerg'].map(levelOf)).toEqual(['warn', 'error', 'info', 'error', 'error', 'debug', 'error']);
    // A name no logger uses, or one every object has (constructor), is INFO.
    expect(['whatever', 'constructor', null].map(levelOf)).toEqual(['info', 'info', 'info']);
    // Below every level pino numbers (a field of the caller's that overwrote it): the lowest, not a failed batch.
    expect([-1, -1e9].map(levelOf)).toEqual(['debug', 'debug']);
  });
});
