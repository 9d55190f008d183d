import fs from 'node:fs';
import { CANDLE_INTERVALS, ConfigError, isCandleInterval, Logger, openSubgraphStore } from '@herck/common';
import { CandleCsvHeaderError, CandleImportService, marketStore, normaliseSymbol, parseCandleCsvStream, readMarketConfig, SeenCandles } from '@herck/market';
import { embeddedDatabaseIfNeeded } from './embedded-database';
import { parseCommandLine } from './command-line';
import { UsageError } from './usage-error';

const USAGE = `npm run market:import -- --symbol BTC --interval D1 file.csv   (intervals: ${CANDLE_INTERVALS.join(', ')})`;

/**
 * Imports a large CSV of historical candles straight into the market store,
 * streaming it a batch at a time (the API's importCandles takes small files).
 * Same format, same checks, same idempotent upsert; prints a summary.
 */
async function main(): Promise<void> {
  const { values, positionals } = parseCommandLine({ options: { symbol: { type: 'string' }, interval: { type: 'string' } }, allowPositionals: true }, USAGE);
  const [file] = positionals;
  const interval = values.interval?.toUpperCase();
  if (!values.symbol || !interval || !file) throw new UsageError([`--symbol, --interval and a file are required: ${USAGE}`]);
  // One file a run: a second one was ignored without a word.
  if (positionals.length > 1) throw new UsageError([`one file at a time (given ${positionals.length}): ${USAGE}`]);
  if (!isCandleInterval(interval)) throw new UsageError([`--interval must be one of ${CANDLE_INTERVALS.join(', ')}`]);
  if (!fs.existsSync(file)) throw new UsageError([`no file ${file}`]);
  const symbol = symbolOf(values.symbol);
  const logger = new Logger('market:import', 'info');
  const database = await embeddedDatabaseIfNeeded(process.env);
  try {
    const orm = await openSubgraphStore(readMarketConfig(process.env), logger, marketStore);
    try {
      const em = orm.em.fork();
      const [known] = await em.execute<{ symbol: string }[]>('SELECT symbol FROM assets WHERE symbol = ?', [symbol]);
      if (!known) throw new UsageError([`no asset ${symbol} is known: track it first (trackAsset)`]);
      const service = new CandleImportService();
      const seen: SeenCandles = new Map();
      let imported = 0;
      let valid = 0;
      let refused = 0;
      for await (const batch of parseCandleCsvStream(fs.createReadStream(file))) {
        const errors = [...batch.errors];
        const { rows, repeats } = service.validForInterval(batch.rows, interval, errors, seen);
        imported += await em.transactional((tx) => service.write(tx, symbol, interval, rows));
        valid += rows.length + repeats;
        refused += errors.length;
        // Rows the parser refused come before those the interval checks refused: print them in file order.
        for (const error of errors.sort((a, b) => a.line - b.line)) console.error(`line ${error.line}: ${error.message}`);
      }
      console.log(`${symbol} ${interval}: ${imported} imported, ${valid - imported} unchanged, ${refused} refused`);
    } finally {
      await orm.close();
    }
  } finally {
    await database?.stop();
  }
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
