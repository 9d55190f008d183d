import { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError, CandleInterval, candleOpenTime, INTERVAL_MS, MARKET_CANDLE, OutboxMessage } from '@herck/common';
import { CandleRow, toCandle, valuesPlaceholders } from '../history/market-rows';
import { candleEvent } from '../ingestion/round-writer';
import { CsvCandleRow, CsvRowError, parseCandleCsv } from './candle-csv';
import { rollUpImportedCandles } from './candle-rollup';
import { CandleImport } from './candle-import.type';

/** Rows per INSERT statement: far below PostgreSQL's 65 535 parameters. */
const BATCH = 1000;

/**
 * Imports historical candles: closed candles of one asset and interval,
 * written with an upsert that leaves identical rows alone, so importing the
 * same file twice changes nothing. A file with a wrong header or any bad row
 * imports nothing (BAD_USER_INPUT on `csv`, the first bad lines in the message
 * and up to MAX_LISTED_LINES in `extensions.lines`); a good one
 * is written in one transaction, each new or changed candle announced as
 * `market.candle` like a closed one, with the coarser candles the file now
 * covers whole (see rollUpImportedCandles). The row of the candle open now is a good
 * row that cannot be imported yet: an exchange's export ends with it, so it is
 * left out and listed in `errors`, and the rest imports.
 */
export class CandleImportService {
  constructor(
    /** What "now" is for a candle's period having ended: the rounds' clock (a fake one in tests). */
    private readonly now: () => number = Date.now,
  ) {}

  async importCsv(em: EntityManager, symbol: string, interval: CandleInterval, csv: string): Promise<CandleImport> {
    const parsed = parseCandleCsv(csv);
    if (parsed.headerError) throw new BadUserInputError(parsed.headerError, 'csv');
    const errors = [...parsed.errors];
    const notClosed: CsvRowError[] = [];
    const { rows, repeats } = this.validForInterval(parsed.rows, interval, errors, new Map(), notClosed);
    if (errors.length) throw badLines(errors.sort((a, b) => a.line - b.line));
    const imported = await em.transactional((tx) => this.write(tx, symbol, interval, rows));
    return { imported, skipped: rows.length - imported + repeats, errors: notClosed };
  }

  /**
   * Keeps the rows of closed candles whose time starts a candle of `interval`, each time once;
   * the others go to `errors` with their line (a row of the candle open now to `notClosed`, which
   * is `errors` unless given; a candle still to come is an error: a mistyped year, a wrong unit).
   * A row repeated exactly (joined exports often repeat the boundary row) is counted in `repeats`
   * and left out; the same time with other values is an error.
   */
  validForInterval(
    rows: CsvCandleRow[],
    interval: CandleInterval,
    errors: CsvRowError[],
    seen: SeenCandles = new Map(),
    notClosed: CsvRowError[] = errors,
  ): { rows: CsvCandleRow[]; repeats: number } {
    const now = this.now();
    let repeats = 0;
    const kept = rows.filter((row) => {
      const time = row.openTime.getTime();
      if (candleOpenTime(interval, row.openTime).getTime() !== time) {
        errors.push({ line: row.line, message: `time ${row.openTime.toISOString()} is not the start of a ${interval} candle` });
        return false;
      }
      if (time > now) {
        errors.push({ line: row.line, message: `the ${interval} candle at ${row.openTime.toISOString()} is still to come` });
        return false;
      }
      if (time + INTERVAL_MS[interval] > now) {
        notClosed.push({ line: row.line, message: `the ${interval} candle at ${row.openTime.toISOString()} has not closed yet; only past candles are imported` });
        return false;
      }
      const earlier = seen.get(time);
      if (earlier && earlier.values === valuesOf(row)) repeats += 1;
      else if (earlier) errors.push({ line: row.line, message: `time ${row.openTime.toISOString()} already appears on line ${earlier.line} with other values` });
      else seen.set(time, { line: row.line, values: valuesOf(row) });
      return !earlier;
    });
    return { rows: kept, repeats };
  }

  /** Writes validated rows; returns how many were new or changed. */
  async write(em: EntityManager, symbol: string, interval: CandleInterval, unordered: CsvCandleRow[]): Promise<number> {
    // In time order, whatever the file's: two imports of the same candles then lock them in the same
    // order and one waits for the other, instead of each holding what the other needs (a deadlock).
    const rows = [...unordered].sort((a, b) => a.openTime.getTime() - b.openTime.getTime());
    let written = 0;
    const changed: Date[] = [];
    for (let start = 0; start < rows.length; start += BATCH) {
      const batch = rows.slice(start, start + BATCH);
      // A candle the file replaces is an imported one from then on: its tickCount is 0, as the schema
      // says of imported candles, not the count of the ticks whose figures it no longer holds.
      // Its `closed` flag stays as stored. One the rounds built and have not closed yet (its period ended
      // moments ago and the next round has not committed, or the market is stopped) stays open with the
      // file's figures, and the round that closes it announces that close, on the bus and to `candles`
      // subscribers. Closed here, it was skipped by that round: subscribers never saw its close.
      const result = await em.execute<CandleRow[]>(
        `INSERT INTO candles (symbol, interval, open_time, open, high, low, close, volume, tick_count, closed)
         VALUES ${valuesPlaceholders(batch.length, 10)}
         ON CONFLICT (symbol, interval, open_time) DO UPDATE SET
           open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close, volume = EXCLUDED.volume, tick_count = 0,
           revision = candles.revision + 1
         WHERE (candles.open, candles.high, candles.low, candles.close, candles.volume, candles.tick_count)
           IS DISTINCT FROM (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low, EXCLUDED.close, EXCLUDED.volume, 0)
         RETURNING *`,
        batch.flatMap((row) => [symbol, interval, row.openTime, row.open.toFixed(), row.high.toFixed(), row.low.toFixed(), row.close.toFixed(), row.volume.toFixed(), 0, true]),
      );
      written += result.length;
      changed.push(...result.map((row) => new Date(row.open_time)));
      // Imported history reaches the other subgraphs like any closed candle does.
      this.announce(em, result);
      await em.flush();
      // What is announced is written: the unit of work need not hold it (a year of minutes is half a million).
      em.clear();
    }
    // The coarser candles the rows now complete, once all are written: a period two batches share is built whole, and announced once.
    if (changed.length) {
      this.announce(em, await rollUpImportedCandles(em, symbol, interval, changed, new Date(this.now())));
      await em.flush();
      em.clear();
    }
    return written;
  }

  /** Announces the closed ones, as imported; one left open is announced by the round that closes it. */
  private announce(em: EntityManager, rows: CandleRow[]): void {
    for (const row of rows.filter((written) => written.closed)) em.persist(new OutboxMessage(MARKET_CANDLE, { ...candleEvent(toCandle(row)), imported: true } as unknown as Record<string, unknown>));
  }
}

/** Bad lines shown in the message; `extensions.lines` lists up to MAX_LISTED_LINES of them. */
const LINES_IN_MESSAGE = 5;
const MAX_LISTED_LINES = 100;

/** A file with bad rows, refused as a whole: the first few in the message, more in `extensions.lines`. */
function badLines(errors: CsvRowError[]): BadUserInputError {
  const shown = errors.slice(0, LINES_IN_MESSAGE).map((error) => `line ${error.line}: ${error.message}`);
  const more = errors.length > LINES_IN_MESSAGE ? `; and ${errors.length - LINES_IN_MESSAGE} more` : '';
  return new BadUserInputError(`csv has ${errors.length} bad line${errors.length === 1 ? '' : 's'}, nothing was imported: ${shown.join('; ')}${more}`, 'csv', {
    lines: errors.slice(0, MAX_LISTED_LINES),
  });
}

/**
 * The candles of a file seen so far, by open time: the line and the values, as compact text
 * (a CLI import of a year of minutes keeps half a million of them).
 */
export type SeenCandles = Map<number, { line: number; values: string }>;

/** A row's five numbers as one text, equal for equal values however they were written (`43550.000`, `4.355e4`). */
const valuesOf = (row: CsvCandleRow) => [row.open, row.high, row.low, row.close, row.volume].map((value) => value.toString()).join(',');
