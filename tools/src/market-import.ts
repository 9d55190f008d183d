import fs from 'node:fs';
import { CANDLE_INTERVALS, CandleInterval, ConfigError, isCandleInterval, Logger, openSubgraphStore } from '@herck/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { CandleCsvHeaderError, CandleImportService, CsvRowError, marketStore, normaliseSymbol, parseCandleCsvStream, readMarketConfig, SeenCandles } from '@herck/market';
import { embeddedDatabaseIfNeeded } from './embedded-database';
import { parseCommandLine } from './command-line';
import { withRereadableFile } from './rereadable-file';
import { UsageError } from './usage-error';

const USAGE = `npm run market:import -- --symbol BTC --interval D1 file.csv   (intervals: ${CANDLE_INTERVALS.join(', ')})`;

/**
 * Imports a large CSV of historical candles straight into the market store,
 * streaming it a batch at a time (the API's importCandles takes small files).
 * Same format, same checks, same rule as the API: a file with any bad line imports
 * nothing (each bad line printed, exit 1), so the file is read twice, checked whole
 * before its first candle is written (a pipe copied to a temporary file first). Same idempotent upsert; prints a summary.
 */
async function main(): Promise<void> {
  const { values, positionals } = parseCommandLine({ options: { symbol: { type: 'string' }, interval: { type: 'string' } }, allowPositionals: true }, USAGE);
  const [file] = positionals;
  const interval = values.interval?.toUpperCase();
  if (!values.symbol || !interval || !file) throw new UsageError([`--symbol, --interval and a file are required: ${USAGE}`]);
  // One file a run: a second one was ignored without a word.
  if (positionals.length > 1) throw new UsageError([`one file at a time (given ${positionals.length}): ${USAGE}`]);
  if (!isCandleInterval(interval)) throw new UsageError([`--interval must be one of ${CANDLE_INTERVALS.join(', ')}`]);
  const found = fs.statSync(file, { throwIfNoEntry: false });
  if (!found) throw new UsageError([`no file ${file}`]);
  if (found.isDirectory()) throw new UsageError([`${file} is a folder: give the CSV file in it`]);
  const symbol = symbolOf(values.symbol);
  const logger = new Logger('market:import', 'info');
  const database = await embeddedDatabaseIfNeeded(process.env);
  try {
    const orm = await openSubgraphStore(readMarketConfig(process.env), logger, marketStore);
    try {
      const em = orm.em.fork();
      const [known] = await em.execute<{ symbol: string }[]>('SELECT symbol FROM assets WHERE symbol = ?', [symbol]);
      if (!known) throw new UsageError([`no asset ${symbol} is known: track it first (trackAsset)`]);
      // One "now" for the run: the check and the writing then agree on which candles have closed.
      const startedAt = Date.now();
      const service = new CandleImportService(() => startedAt);
      // Read twice (checked whole, then written): a pipe is copied to a file first, as its second read would be empty.
      await withRereadableFile(file, async (rereadable) => {
        const checked = await checkFile(service, rereadable, interval);
        if (checked.bad) {
          console.error(`${symbol} ${interval}: ${checked.bad} bad line${checked.bad === 1 ? '' : 's'}, nothing was imported`);
          process.exitCode = 1;
          return;
        }
        const { imported, valid } = await writeFile(em, service, rereadable, symbol, interval);
        for (const row of checked.notClosed) console.error(`line ${row.line}: ${row.message}`);
        const leftOut = checked.notClosed.length ? `, ${checked.notClosed.length} left out (not closed yet)` : '';
        console.log(`${symbol} ${interval}: ${imported} imported, ${valid - imported} unchanged${leftOut}`);
      });
    } finally {
      await orm.close();
    }
  } finally {
    await database?.stop();
  }
}

/**
 * Reads the whole file once, writing nothing: prints every bad line (file order, the API's
 * `line N: reason`) and counts them, and keeps the rows of candles open now, which are left out,
 * not refused (an exchange's export ends with one), as by the API.
 */
async function checkFile(service: CandleImportService, file: string, interval: CandleInterval): Promise<{ bad: number; notClosed: CsvRowError[] }> {
  const seen: SeenCandles = new Map();
  const notClosed: CsvRowError[] = [];
  let bad = 0;
  for await (const batch of parseCandleCsvStream(fs.createReadStream(file))) {
    const errors = [...batch.errors];
    service.validForInterval(batch.rows, interval, errors, seen, notClosed);
    bad += errors.length;
    // Rows the parser refused come before those the interval checks refused: print them in file order.
    for (const error of errors.sort((a, b) => a.line - b.line)) console.error(`line ${error.line}: ${error.message}`);
  }
  return { bad, notClosed };
}

/** Writes a file checkFile found good, a batch a transaction (a round waits for one batch, never for the whole file). */
async function writeFile(em: EntityManager, service: CandleImportService, file: string, symbol: string, interval: CandleInterval): Promise<{ imported: number; valid: number }> {
  const seen: SeenCandles = new Map();
  let imported = 0;
  let valid = 0;
  for await (const batch of parseCandleCsvStream(fs.createReadStream(file))) {
    const errors = [...batch.errors];
    const { rows, repeats } = service.validForInterval(batch.rows, interval, errors, seen, []);
    // Only a file changed since it was checked gets here.
    if (errors.length) throw new Error(`${file} changed while it was imported (line ${errors[0].line}: ${errors[0].message}); ${imported} candles were written before it`);
    imported += await em.transactional((tx) => service.write(tx, symbol, interval, rows));
    valid += rows.length + repeats;
  }
  return { imported, valid };
}

function symbolOf(value: string): string {
  try {
    return normaliseSymbol(value);
  } catch (error) {
    throw new UsageError([`--symbol: ${(error as Error).message}`]);
  }
}

main().catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof CandleCsvHeaderError;
  console.error(known ? (error as Error).message : `market:import failed: ${(error as Error)?.message ?? error}`);
  process.exit(1);
});
