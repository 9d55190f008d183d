import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Express, Request, RequestHandler } from 'express';
import { answerRouteError, BadUserInputError, DateTimeScalar, hasAnyRole, InternalCaller, isStoreUnavailable, Logger, LOG_EXPORT_INTERNAL_PATH, unstorableText } from '@herck/common';
import { archiveLine } from '../archive/archive-file';
import { StoredLogEntry } from '../store/log-store';
import { LogFilter, LogLevel } from './log-entry.type';
import { LogQueryService } from './log-query.service';

/** The query parameters an export takes: LogFilter's fields, lists comma-separated or repeated. */
const PARAMETERS = new Set(['services', 'levels', 'from', 'to', 'text', 'requestId']);
const LEVELS = new Set<string>(Object.values(LogLevel));

/**
 * Streams the entries a filter selects to the gateway for an admin, as NDJSON: one entry per
 * line in the shape of an archive's lines, newest first as `logs` lists them. A bad filter is
 * refused as `logs` refuses it, before anything is sent.
 */
export function serveLogExports(app: Express, queries: LogQueryService, gatewayOnly: RequestHandler, logger: Logger): void {
  app.get(LOG_EXPORT_INTERNAL_PATH, gatewayOnly, async (req, res) => {
    const fail = (status: number, code: string, message: string) => answerRouteError(res, status, code, message);
    const { identity } = res.locals.caller as InternalCaller;
    if (!hasAnyRole(identity, ['ADMIN'])) return void fail(403, 'FORBIDDEN', 'Only admins may export logs');
    let pages: AsyncGenerator<StoredLogEntry[]>;
    let first: IteratorResult<StoredLogEntry[]>;
    try {
      pages = await queries.exportPages(filterOf(req));
      // HEAD: the filter checked, nothing read (Node would drop the body, but only after reading it all).
      first = req.method === 'HEAD' ? { done: true, value: undefined } : await pages.next();
    } catch (error) {
      if (error instanceof BadUserInputError) return void fail(400, 'BAD_USER_INPUT', error.message);
      if (isStoreUnavailable(error)) return void fail(503, 'SERVICE_UNAVAILABLE', 'The log store is unavailable; try again shortly');
      throw error;
    }
    // The status goes once the first page is read: until then a failure is still an error answer, and the gateway waits for it.
    const stamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
    res.status(200).set({ 'content-type': 'application/x-ndjson; charset=utf-8', 'content-disposition': `attachment; filename="herck-logs_${stamp}.ndjson"` });
    if (req.method === 'HEAD') return void res.end();
    res.flushHeaders();
    try {
      // pipeline: a client that goes away stops the reading; the socket's backpressure paces it.
      await pipeline(Readable.from(lines(first, pages)), res);
    } catch (error) {
      // The status is sent: an export cut short ends without its last line, and says why in the log.
      if (!res.writableEnded && !req.socket.destroyed) logger.warn('log export failed part way', { error });
      res.destroy();
    }
  });
}

async function* lines(first: IteratorResult<StoredLogEntry[]>, rest: AsyncGenerator<StoredLogEntry[]>): AsyncGenerator<string> {
  const text = (page: StoredLogEntry[]) => page.map((entry) => archiveLine(entry) + '\n').join('');
  if (first.done) return;
  yield text(first.value);
  for await (const page of rest) yield text(page);
}

/** The filter in an export's query string; a parameter it does not know is refused (a typo would export everything). */
function filterOf(req: Request): LogFilter {
  const query = req.query as Record<string, string | string[] | undefined>;
  const unknown = Object.keys(query).filter((name) => !PARAMETERS.has(name));
  if (unknown.length) throw new BadUserInputError(`Unknown parameters: ${unknown.slice(0, 5).map((name) => name.slice(0, 32)).join(', ')} (known: ${[...PARAMETERS].join(', ')})`, 'filter');
  // As `logs` refuses such text in its variables: the store cannot search for it (it answered as if it were down).
  for (const [name, value] of Object.entries(query)) {
    const reason = [value].flat().map((part) => unstorableText(String(part))).find(Boolean);
    if (reason) throw new BadUserInputError(`${name} ${reason}`, name);
  }
  const list = (name: string) => {
    const value = query[name];
    return value === undefined ? undefined : [value].flat().flatMap((part) => String(part).split(',')).map((part) => part.trim()).filter(Boolean);
  };
  const one = (name: string) => {
    const value = query[name];
    if (Array.isArray(value)) throw new BadUserInputError(`${name} is given more than once`, name);
    return value;
  };
  // As the DateTime scalar of `logs` reads them: RFC 3339 with a zone (a time without one would be read in the server's).
  const time = (name: string) => {
    const text = one(name);
    if (text === undefined) return undefined;
    try {
      return DateTimeScalar.parseValue(text);
    } catch {
      throw new BadUserInputError(`${name} must be a date-time with a zone, e.g. 2026-12-04T10:00:00Z (a + in an offset is written %2B in a URL)`, name);
    }
  };
  const levels = list('levels')?.map((level) => level.toLowerCase());
  const badLevel = levels?.find((level) => !LEVELS.has(level));
  if (badLevel !== undefined) throw new BadUserInputError(`Unknown level "${badLevel.slice(0, 32)}" (debug, info, warn, error)`, 'levels');
  return { services: list('services'), levels: levels as LogLevel[] | undefined, from: time('from'), to: time('to'), text: one('text'), requestId: one('requestId') };
}
