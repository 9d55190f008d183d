import { createHash } from 'node:crypto';
import { v7 as timeOrderedUuid } from 'uuid';
import { LOG_LEVELS, StoredLogEntry, StoredLogLevel } from '../store/log-store';

/** pino's numeric levels, for shippers that send them. */
const NUMERIC_LEVELS: [number, StoredLogLevel][] = [
  [50, 'error'],
  [40, 'warn'],
  [30, 'info'],
  [0, 'debug'],
];

/**
 * One shipped line as a stored entry, or null when it is not a JSON object.
 * The service is the one the shipping token names, whatever the line says: a
 * service writes only its own logs.
 */
export function parseLogLine(line: string, service: string, now: Date, id: string = timeOrderedUuid()): StoredLogEntry | null {
  let parsed: unknown;
  try {
    // PostgreSQL's text and jsonb hold no NUL character. Only an escape of NUL is replaced, not a text that
    // reads backslash, "u0000" (an escaped backslash before it: an even run of backslashes).
    parsed = JSON.parse(line.includes('\\u0000') ? line.replace(ESCAPED_NUL, '$1\\ufffd') : line);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  // A value nested thousands deep overflows the stack of JSON.stringify (and of PostgreSQL's jsonb
  // parser): the whole batch failed with 503, and the shipper resent it for ever, dropping every later
  // line of its process. Deeper parts are cut, so the entry (message, level, time) is kept.
  if (nestedDeeperThan(line, MAX_NESTING)) parsed = cutDeeperThan(parsed, MAX_NESTING);
  // JSON may escape half a surrogate pair (\ud800 alone); PostgreSQL's jsonb refuses it, and would refuse the whole batch.
  if (/\\u[dD][89a-fA-F]/.test(line)) parsed = wellFormed(parsed);
  const { time, level, msg, message, requestId, service: _claimed, ...rest } = parsed as Record<string, unknown>;
  // pino writes `msg`, others `message`: the text is whichever is text; what is not the text stays a field, not lost.
  const text = typeof msg === 'string' ? msg : typeof message === 'string' ? message : null;
  const fields = { ...rest, ...(msg !== undefined && msg !== text && { msg }), ...(message !== undefined && message !== text && { message }) };
  const request = typeof requestId === 'number' ? String(requestId) : requestId;
  return {
    id,
    time: timeOf(time, now) ?? now,
    service,
    level: levelOf(level),
    message: text ?? '',
    requestId: typeof request === 'string' && request ? request.slice(0, 128) : null,
    fields,
    bytes: Buffer.byteLength(line),
  };
}

/** `\u0000` in a JSON text, with the even run of backslashes (escaped ones) before it. */
const ESCAPED_NUL = /(?<!\\)((?:\\\\)*)\\u0000/g;

/** The deepest nesting of objects and arrays a stored entry keeps (the line itself is level 1). */
export const MAX_NESTING = 512;
export const TOO_DEEP = '[nested too deeply]';

/**
 * Whether a JSON text nests objects and arrays more than `max` deep (brackets inside strings do not
 * count). A text shorter than twice `max` cannot, so most lines are not even read here.
 */
function nestedDeeperThan(json: string, max: number): boolean {
  if (json.length <= 2 * max) return false;
  let depth = 0;
  let inString = false;
  for (let index = 0; index < json.length; index++) {
    const code = json.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index++; // a backslash escapes the next character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) {
      if (++depth > max) return true;
    } else if (code === 0x7d || code === 0x5d) depth--;
  }
  return false;
}

/** The value with every object or array below level `max` replaced by TOO_DEEP (recursion never goes deeper than `max`). */
function cutDeeperThan(value: unknown, max: number, level = 1): unknown {
  if (!value || typeof value !== 'object') return value;
  if (level > max) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((item) => cutDeeperThan(item, max, level + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, cutDeeperThan(item, max, level + 1)]));
}

/**
 * A line's own time when it is one the store writes and reads back as it was: years 100 to 9999
 * (ISO text has no other form for later years, and years below 100 come back a century off), and
 * not more than a day ahead of its arrival (a line dated 2999 stayed first in every newest-first
 * list). Any other time is the receiving time, so one odd line never holds up a shipper's batch.
 */
const EARLIEST_KEPT_TIME = Date.UTC(100, 0, 1);
const LATEST_KEPT_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const FUTURE_KEPT_MS = 86_400_000;

function timeOf(value: unknown, now: Date): Date | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const time = new Date(value).getTime();
  const latest = Math.min(LATEST_KEPT_TIME, now.getTime() + FUTURE_KEPT_MS);
  return Number.isNaN(time) || time < EARLIEST_KEPT_TIME || time > latest ? null : new Date(time);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The value with every unpaired surrogate, in keys and strings, replaced by U+FFFD. */
function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(LONE_SURROGATE, '\ufffd');
  if (Array.isArray(value)) return value.map(wellFormed);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [wellFormed(key), wellFormed(item)]));
  return value;
}

function levelOf(value: unknown): StoredLogLevel {
  // Below every floor (a negative number): the lowest level, as any other odd value gets a default.
  if (typeof value === 'number') return NUMERIC_LEVELS.find(([floor]) => value >= floor)?.[1] ?? 'debug';
  if (typeof value !== 'string') return 'info';
  const label = value.trim().toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(label)) return label as StoredLogLevel;
  return LEVEL_ALIASES.get(label) ?? 'info';
}

/** Other loggers' names for the four levels (syslog's, Python's, log4j's), so a warning is not filed as INFO. */
const LEVEL_ALIASES = new Map<string, StoredLogLevel>([
  ['trace', 'debug'],
  ['verbose', 'debug'],
  ['notice', 'info'],
  ['warning', 'warn'],
  ['err', 'error'],
  ['fatal', 'error'],
  ['critical', 'error'],
  ['crit', 'error'],
  ['alert', 'error'],
  ['emerg', 'error'],
  ['emergency', 'error'],
  ['panic', 'error'],
]);

/**
 * Ids for the lines of batch `batchId` from `service`, by their place in it:
 * the same on every attempt to send the batch, so a retried batch stores
 * nothing twice. UUIDs (version 8, "custom") with the line's index in the last
 * four bytes. A time-ordered batch id (version 7, as shippers send) lends its
 * millisecond time to the first six bytes, so new entries land at the end of
 * the primary-key index instead of on random pages of it (random ids made
 * PostgreSQL spend three times the CPU per stored entry); the rest comes from
 * SHA-256 of service and batch id, so one service's batch ids never name
 * another's entries.
 */
export function entryIdsFor(batchId: string, service: string): (index: number) => string {
  const base = createHash('sha256').update(`${service}\n${batchId.toLowerCase()}`).digest().subarray(0, 16);
  if (batchId[14] === '7') Buffer.from(batchId.replaceAll('-', '').slice(0, 12), 'hex').copy(base, 0);
  base[6] = (base[6]! & 0x0f) | 0x80;
  base[8] = (base[8]! & 0x3f) | 0x80;
  const prefix = base.subarray(0, 12).toString('hex');
  const head = `${prefix.slice(0, 8)}-${prefix.slice(8, 12)}-${prefix.slice(12, 16)}-${prefix.slice(16, 20)}-${prefix.slice(20, 24)}`;
  return (index) => head + (index >>> 0).toString(16).padStart(8, '0');
}
