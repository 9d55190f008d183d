import fs from 'node:fs';
import { types } from 'node:util';
import pino from 'pino';
import { currentRequestId } from './request-context';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Record<string, unknown>;
/** Receives each entry as one line of JSON, without the newline. */
export type LogSink = (line: string) => void;

/**
 * A structured logger: one JSON object per line (`time level service msg …fields`)
 * with the service name on every entry and the id of the request it was written
 * for, if any. pino does the work; this class keeps the call shape every module
 * uses (`logger.info(message, fields)`).
 */
export class Logger {
  private readonly pino: pino.Logger;

  constructor(service: string, level: LogLevel = 'info', fields: LogFields = {}, sink: LogSink = writeToStdout) {
    this.pino = createPino(service, level, sink).child(serialiseErrors(fields));
  }

  /** A Logger around an existing pino logger (a child's). */
  private static around(instance: pino.Logger): Logger {
    const logger = Object.create(Logger.prototype) as { pino: pino.Logger };
    logger.pino = instance;
    return logger as unknown as Logger;
  }

  enabled(level: LogLevel): boolean {
    return this.pino.isLevelEnabled(level);
  }

  child(fields: LogFields): Logger {
    return Logger.around(this.pino.child(serialiseErrors(fields)));
  }

  debug(msg: string, fields?: LogFields): void {
    if (this.pino.isLevelEnabled('debug')) this.pino.debug(entryFields(fields ?? {}), msg);
  }

  info(msg: string, fields?: LogFields): void {
    if (this.pino.isLevelEnabled('info')) this.pino.info(entryFields(fields ?? {}), msg);
  }

  warn(msg: string, fields?: LogFields): void {
    if (this.pino.isLevelEnabled('warn')) this.pino.warn(entryFields(fields ?? {}), msg);
  }

  error(msg: string, fields?: LogFields): void {
    if (this.pino.isLevelEnabled('error')) this.pino.error(entryFields(fields ?? {}), msg);
  }
}

function createPino(service: string, level: LogLevel, sink: LogSink): pino.Logger {
  return pino(
    {
      level,
      base: { service },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Whatever a request runs, down to the store, is logged with that request's id.
      mixin: () => {
        const requestId = currentRequestId();
        return requestId ? { requestId } : {};
      },
    },
    { write: (chunk: string) => sink(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk) },
  );
}

/** What every entry says itself (README: `time level service msg requestId …fields`). */
const ENTRY_KEYS = new Set(['time', 'level', 'service', 'msg', 'requestId']);

/**
 * An entry's fields as it carries them: errors serialised, and a field named like one of the entry's
 * own keys renamed with a trailing `_` (`time_`). pino would write both, and a reader takes the
 * last: the field replaced the entry's time or level (a line whose `level` was -1 was refused by logs),
 * and its own value was lost.
 */
function entryFields(fields: LogFields): LogFields {
  const serialised = serialiseErrors(fields);
  if (!Object.keys(serialised).some((key) => ENTRY_KEYS.has(key))) return serialised;
  return Object.fromEntries(Object.entries(serialised).map(([key, value]) => [ENTRY_KEYS.has(key) ? `${key}_` : key, value]));
}

/**
 * Errors serialise to nothing by default; keep their name, message, stack and
 * cause (fetch puts the network reason there). `isNativeError` also knows
 * errors made in another realm, where `instanceof Error` is false.
 */
function serialiseErrors(fields: LogFields): LogFields {
  let copy: LogFields | undefined;
  for (const [key, value] of Object.entries(fields)) {
    if (isError(value)) (copy ??= { ...fields })[key] = serialiseError(value);
  }
  return copy ?? fields;
}

function isError(value: unknown): value is Error {
  return value instanceof Error || types.isNativeError(value);
}

function serialiseError(error: Error, depth = 0): Record<string, unknown> {
  const cause = error.cause;
  // A statement PostgreSQL refused comes back from MikroORM with its values written into the message (and so
  // the stack), and PostgreSQL's detail names the refused row or key: a password hash, a webhook secret, an address. Logs are shipped, kept and read by admins,
  // so such an error keeps the statement's shape and PostgreSQL's reason, not the values.
  const database = isDatabaseError(error);
  const text = database ? withoutSqlLiterals : (value: string | undefined) => value;
  return {
    ...(error as unknown as Record<string, unknown>),
    ...(database && withoutServerValues(error as DatabaseErrorFields)),
    name: error.name,
    message: text(error.message),
    stack: text(error.stack),
    ...(cause !== undefined && { cause: isError(cause) && depth < 5 ? serialiseError(cause, depth + 1) : cause }),
  };
}

/** PostgreSQL's errors carry the server's own fields (`routine`, where in the server it failed); MikroORM's copy them. */
function isDatabaseError(error: Error): boolean {
  return typeof (error as { routine?: unknown }).routine === 'string';
}

/** PostgreSQL's own fields that may quote a statement's values (pg's names; MikroORM copies them). */
interface DatabaseErrorFields {
  /** "Failing row contains (…)" (the whole row of a NOT NULL or CHECK violation), "Key (…)=(…) already exists." */
  detail?: unknown;
  /** A PL/pgSQL function's context and the statement it ran there, with their literals. */
  where?: unknown;
  internalQuery?: unknown;
}

/** The fields that name values, with the values left out: which row or key failed stays readable, not what it held. */
function withoutServerValues({ detail, where, internalQuery }: DatabaseErrorFields): DatabaseErrorFields {
  return {
    ...(typeof detail === 'string' && { detail: detail.replace(/(=|contains )\(.*\)/s, '$1(?)') }),
    ...(typeof where === 'string' && { where: withoutSqlLiterals(where) }),
    ...(typeof internalQuery === 'string' && { internalQuery: withoutSqlLiterals(internalQuery) }),
  };
}

/** SQL's quoted text values (a quote inside written twice) become `?`, as placeholders read. */
function withoutSqlLiterals<T extends string | undefined>(text: T): T {
  return text?.replace(/'(?:[^']|'')*'/g, '?') as T;
}

/**
 * Synchronous, so the last lines before process.exit() are not lost in a pipe
 * buffer; falls back to the asynchronous stream when the pipe is full.
 */
export function writeToStdout(line: string): void {
  try {
    fs.writeSync(1, line + '\n');
  } catch {
    process.stdout.write(line + '\n');
  }
}

/** One sink that writes to several (stdout and the log shipper). */
export function teeSinks(...sinks: LogSink[]): LogSink {
  return (line) => {
    for (const sink of sinks) sink(line);
  };
}
