import fs from 'node:fs';
import { types } from 'node:util';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;
export type LogSink = (line: string) => void;

/** A structured logger: one JSON object per line, with the service name on every entry. */
export class Logger {
  constructor(
    private readonly service: string,
    private readonly level: LogLevel = 'info',
    private readonly fields: LogFields = {},
    private readonly sink: LogSink = writeToStdout,
  ) {}

  enabled(level: LogLevel): boolean {
    return LEVEL_RANK[level] >= LEVEL_RANK[this.level];
  }

  child(fields: LogFields): Logger {
    return new Logger(this.service, this.level, { ...this.fields, ...fields }, this.sink);
  }

  debug(msg: string, fields?: LogFields): void {
    this.write('debug', msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    this.write('info', msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    this.write('warn', msg, fields);
  }

  error(msg: string, fields?: LogFields): void {
    this.write('error', msg, fields);
  }

  private write(level: LogLevel, msg: string, fields?: LogFields): void {
    if (!this.enabled(level)) return;
    const entry = { time: new Date().toISOString(), level, service: this.service, msg, ...this.fields, ...fields };
    this.sink(JSON.stringify(entry, errorReplacer));
  }
}

/**
 * Errors serialise to nothing by default; keep their name, message, stack and
 * cause (fetch puts the network reason there). `isNativeError` also knows
 * errors made in another realm, where `instanceof Error` is false.
 */
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error || types.isNativeError(value)) {
    const error = value as Error;
    return { name: error.name, message: error.message, stack: error.stack, ...(error.cause !== undefined && { cause: error.cause }) };
  }
  return value;
}

/**
 * Synchronous, so the last lines before process.exit() are not lost in a pipe
 * buffer; falls back to the asynchronous stream when the pipe is full.
 */
function writeToStdout(line: string): void {
  try {
    fs.writeSync(1, line + '\n');
  } catch {
    process.stdout.write(line + '\n');
  }
}
