import Decimal from 'decimal.js';
import { CsvError, Options, parse } from 'csv-parse/sync';
import { echoedInput } from '@herck/common';
import { isStorableAmount, MAX_AMOUNT_TEXT_LENGTH } from '../history/storable-amount';

/** The one header a candle CSV may have (matched case-insensitively). */
export const CANDLE_CSV_COLUMNS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

/** A valid candle row; `line` is its 1-based line in the file (the header is line 1). */
export interface CsvCandleRow {
  line: number;
  openTime: Date;
  open: Decimal;
  high: Decimal;
  low: Decimal;
  close: Decimal;
  volume: Decimal;
}

/** Why the row on `line` was left out. */
export interface CsvRowError {
  line: number;
  message: string;
}

export interface CandleCsvResult {
  rows: CsvCandleRow[];
  errors: CsvRowError[];
  /** Set when the header is wrong or missing; then nothing is imported, so rows and errors are empty. */
  headerError: string | null;
}

/**
 * csv-parse options shared by the whole-text and streaming parsers. Column
 * counts are relaxed so a short or long row becomes that row's error, not the file's.
 */
export const CANDLE_CSV_PARSE_OPTIONS = {
  bom: true,
  trim: true,
  relax_column_count: true,
  skip_empty_lines: true,
  // Lines of only spaces or commas are empty lines too (spreadsheets export them).
  skip_records_with_empty_values: true,
} satisfies Options;

/**
 * Parses a candle CSV (`time,open,high,low,close,volume`) held in memory.
 * Bad rows are reported with their line and left out; the good rows are kept.
 * With `maxRows`, reading stops after that many data rows and the first row
 * beyond is reported. Malformed CSV (an unclosed quote) ends reading at that
 * line, also reported.
 */
export function parseCandleCsv(text: string, options: { maxRows?: number } = {}): CandleCsvResult {
  if (options.maxRows !== undefined && !(Number.isSafeInteger(options.maxRows) && options.maxRows >= 0)) {
    throw new RangeError(`maxRows must be a non-negative integer, got ${options.maxRows}`);
  }
  const records: { fields: string[]; line: number }[] = [];
  let malformed: CsvRowError | null = null;
  try {
    parse(text, {
      ...CANDLE_CSV_PARSE_OPTIONS,
      // The header, the allowed rows, and one more to tell that there were more.
      to: options.maxRows === undefined ? undefined : options.maxRows + 2,
      // Collected here rather than returned, so the rows before a malformed line survive the throw.
      on_record: (fields, context) => {
        records.push({ fields, line: recordStartLine(context.lines, fields) });
        return null;
      },
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    malformed = csvSyntaxError(error);
  }

  const [header, ...data] = records;
  const headerError = header ? candleCsvHeaderError(header.fields) : (malformed?.message ?? 'the file is empty');
  if (headerError) return { rows: [], errors: [], headerError };

  const result: CandleCsvResult = { rows: [], errors: [], headerError: null };
  for (const [index, record] of data.entries()) {
    if (options.maxRows !== undefined && index >= options.maxRows) {
      result.errors.push({ line: record.line, message: `more than ${options.maxRows} rows; the rest was not read` });
      break;
    }
    const parsed = parseCandleCsvRecord(record.fields, record.line);
    if ('message' in parsed) result.errors.push(parsed);
    else result.rows.push(parsed);
  }
  if (malformed) result.errors.push(malformed);
  return result;
}

/** Null when `fields` is the candle header, else what is wrong with it. */
export function candleCsvHeaderError(fields: readonly string[]): string | null {
  const found = fields.map((field) => field.trim().toLowerCase()).join(',');
  const expected = CANDLE_CSV_COLUMNS.join(',');
  return found === expected ? null : `the header must be "${expected}", found ${quote(fields.join(','))}`;
}

/** csv-parse reports the line a record ends on; a quoted field with line breaks started earlier. */
export function recordStartLine(endLine: number, fields: readonly string[]): number {
  return endLine - fields.reduce((breaks, field) => breaks + (field.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
}

/**
 * What is wrong, by csv-parse's error code: its own messages ("Invalid Opening Quote: a quote is found
 * on field 0 at line 2, value is …") speak of the parser's internals and change with its versions.
 */
const CSV_SYNTAX_REASONS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is not closed',
  // (csv-parse names this one without its CSV_ prefix.)
  INVALID_OPENING_QUOTE: 'a quote inside a field that does not begin with one (quote the whole field, doubling its quotes)',
  CSV_INVALID_CLOSING_QUOTE: 'text after the closing quote of a field',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'text after the closing quote of a field',
  CSV_MAX_RECORD_SIZE: 'a line is too long',
};

/** A CSV syntax error (such as an unclosed quote), after which nothing more can be read. */
export function csvSyntaxError(error: CsvError): CsvRowError {
  const line = typeof error.lines === 'number' ? error.lines : 0;
  const reason = CSV_SYNTAX_REASONS[error.code] ?? 'the text is not CSV';
  return { line, message: `malformed CSV: ${reason}; the rest was not read` };
}

const AMOUNT_COLUMNS = ['open', 'high', 'low', 'close', 'volume'] as const;

/** Validates one data record: the row, or the row's error listing everything wrong with it. */
export function parseCandleCsvRecord(fields: readonly string[], line: number): CsvCandleRow | CsvRowError {
  if (fields.length !== CANDLE_CSV_COLUMNS.length) {
    return { line, message: `expected ${CANDLE_CSV_COLUMNS.length} columns, found ${fields.length}` };
  }
  const problems: string[] = [];
  const openTime = parseCandleTime(fields[0]);
  if (typeof openTime === 'string') problems.push(openTime);
  const amounts: Decimal[] = [];
  for (const [index, column] of AMOUNT_COLUMNS.entries()) {
    const amount = parseAmount(column, fields[index + 1]);
    if (typeof amount === 'string') problems.push(amount);
    else amounts.push(amount);
  }
  if (typeof openTime === 'string' || problems.length) return { line, message: problems.join('; ') };

  const [open, high, low, close, volume] = amounts;
  // No trade happens at a price of zero: such a row is a gap filled in, as providers' zero quotes are (ingestion skips those).
  for (const [name, price] of [['open', open], ['high', high], ['low', low], ['close', close]] as const) {
    if (price.isZero()) problems.push(`${name} must be above 0`);
  }
  if (problems.length) return { line, message: problems.join('; ') };
  if (high.lt(low)) return { line, message: 'high below low' };
  for (const [name, price] of [['open', open], ['close', close]] as const) {
    if (price.lt(low)) problems.push(`${name} below low`);
    if (price.gt(high)) problems.push(`${name} above high`);
  }
  if (problems.length) return { line, message: problems.join('; ') };
  return { line, openTime, open, high, low, close, volume };
}

/** Plain decimal text, exponent allowed; not hex, binary, NaN or Infinity, which decimal.js would also take. */
const DECIMAL_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

function parseAmount(column: string, text: string): Decimal | string {
  if (text === '') return `${column} is empty`;
  if (text.length > MAX_AMOUNT_TEXT_LENGTH || !DECIMAL_TEXT.test(text)) {
    return `${column} is not a decimal number: ${quote(text)}`;
  }
  const value = new Decimal(text);
  if (!isStorableAmount(value)) return `${column} is out of range: ${quote(text)}`;
  // -0 is zero, as the Decimal scalar reads it: not a negative price.
  if (value.lt(0)) return `${column} is negative`;
  return value.isZero() ? new Decimal(0) : value;
}

const UNIX_TIME = /^\d+(?:\.\d+)?$/;
/** Below this a Unix time is seconds (1e11 s is the year 5138), from it milliseconds (1e11 ms is March 1973). */
const UNIX_SECONDS_BELOW = 1e11;
/** The last millisecond a Date can hold. */
const MAX_TIME_MS = 8.64e15;
/** Date, optional time (` ` or `T`), optional fraction and zone; no zone means UTC. */
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const ZONE_OFFSET = /^([+-])(\d{2}):?(\d{2})?$/;

/** The candle open time in `text`, or what is wrong with it. */
export function parseCandleTime(text: string): Date | string {
  if (UNIX_TIME.test(text)) return unixTime(text);
  const match = ISO_TIME.exec(text);
  if (match) return isoTime(match, text);
  return `time is not ISO-8601, Unix seconds or Unix milliseconds: ${quote(text)}`;
}

function unixTime(text: string): Date | string {
  const value = new Decimal(text);
  const ms = value.lt(UNIX_SECONDS_BELOW) ? value.times(1000) : value;
  // Rounding would silently move a candle; a sub-millisecond time is a mistake worth reporting.
  if (!ms.isInteger()) return `time is more precise than a millisecond: ${quote(text)}`;
  if (ms.gt(MAX_TIME_MS)) return `time is out of range: ${quote(text)}`;
  return new Date(ms.toNumber());
}

function isoTime(match: RegExpExecArray, text: string): Date | string {
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone = 'Z'] = match;
  if (/[1-9]/.test(fraction.slice(3))) return `time is more precise than a millisecond: ${quote(text)}`;
  const fields = [year, month, day, hour, minute, second].map(Number);
  const [y, mo, d, h, mi, sec] = fields;
  const utc = Date.UTC(y, mo - 1, d, h, mi, sec, Number(fraction.slice(0, 3).padEnd(3, '0')));
  const date = new Date(utc);
  // Date.UTC rolls over out-of-range fields (Feb 30 becomes Mar 1); a field that changed was invalid.
  const back = [
    date.getUTCFullYear(),
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
  ];
  const offset = zoneOffsetMinutes(zone);
  if (back.some((value, index) => value !== fields[index]) || offset === null) {
    return `time is not a valid date: ${quote(text)}`;
  }
  return new Date(utc - offset * 60_000);
}

/** Minutes east of UTC, or null for an impossible offset. */
function zoneOffsetMinutes(zone: string): number | null {
  const match = ZONE_OFFSET.exec(zone);
  if (!match) return 0; // Z
  const [, sign, hours, minutes = '0'] = match;
  if (Number(hours) > 23 || Number(minutes) > 59) return null;
  return (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes));
}

/** Field text for a message, cut short so one bad field cannot flood the report. */
function quote(text: string): string {
  return JSON.stringify(echoedInput(text));
}
