import { CANDLE_INTERVALS, candleOpenTime, CandleInterval, ConfigError, INTERVAL_MS, isCandleInterval, Logger, openSubgraphStore } from '@herck/common';
import { BinanceProvider, CandleImportService, CsvCandleRow, marketStore, normaliseSymbol, readMarketConfig, SeenCandles } from '@herck/market';
import { embeddedDatabaseIfNeeded } from './embedded-database';
import { parseCommandLine } from './command-line';
import { UsageError } from './usage-error';

const USAGE = `npm run market:backfill -- --symbol BTC --interval H1 --from 2024-01-01 --to 2024-02-01   (intervals: ${CANDLE_INTERVALS.join(', ')}; times in UTC)`;
/** The most candles one run may fetch: about a hundred Binance requests. */
const MAX_CANDLES = 100_000;
/** Candles fetched and written per transaction, so an interrupted run keeps what it wrote. */
const CHUNK_CANDLES = 5_000;
/** A date, or a date and time with its offset: Date.parse reads other shapes in local time, or not at all. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

interface Backfill {
  symbol: string;
  interval: CandleInterval;
  /** Open time of the first candle wanted. */
  start: number;
  /** Candles open before this; never later than the current candle, which is still open. */
  end: number;
}

/**
 * Fills the market store with Binance's historical candles of one asset's
 * USDT pair (klines), a chunk per transaction, through the same idempotent
 * upsert as CSV imports: running it twice changes nothing. Prints a summary.
 */
async function main(): Promise<void> {
  const { symbol, interval, start, end } = readArguments(process.argv.slice(2), Date.now());
  const logger = new Logger('market:backfill', 'info');
  const database = await embeddedDatabaseIfNeeded(process.env);
  try {
    const config = readMarketConfig(process.env);
    const binance = new BinanceProvider({ ...config.binance, timeoutMs: config.providerTimeoutMs });
    const orm = await openSubgraphStore(config, logger, marketStore);
    try {
      const em = orm.em.fork();
      const [known] = await em.execute<{ symbol: string }[]>('SELECT symbol FROM assets WHERE symbol = ?', [symbol]);
      if (!known) throw new UsageError([`no asset ${symbol} is known: track it first (trackAsset)`]);
      const service = new CandleImportService();
      const signal = new AbortController().signal;
      const seen: SeenCandles = new Map();
      const chunk = CHUNK_CANDLES * INTERVAL_MS[interval];
      let fetched = 0;
      let imported = 0;
      let valid = 0;
      let refused = 0;
      for (let from = start; from < end; from += chunk) {
        const candles = await binance.fetchCandles(symbol, interval, new Date(from), new Date(Math.min(from + chunk, end)), signal);
        // `line` is the kline's 1-based position in this run: what errors are reported by.
        const klines: CsvCandleRow[] = candles.map((candle, i) => ({ ...candle, line: fetched + i + 1 }));
        fetched += candles.length;
        const errors: { line: number; message: string }[] = [];
        const { rows, repeats } = service.validForInterval(klines, interval, errors, seen);
        imported += await em.transactional((tx) => service.write(tx, symbol, interval, rows));
        valid += rows.length + repeats;
        refused += errors.length;
        for (const error of errors) console.error(`kline ${error.line}: ${error.message}`);
      }
      if (fetched === 0) console.error(`Binance has no ${symbol}USDT candles from ${iso(start)} to ${iso(end)} (is the pair listed?)`);
      console.log(`${symbol} ${interval} ${iso(start)} – ${iso(end)}: ${imported} imported, ${valid - imported} unchanged${refused ? `, ${refused} refused` : ''}`);
    } finally {
      await orm.close();
    }
  } finally {
    await database?.stop();
  }
}

const OPTIONS = { symbol: { type: 'string' }, interval: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } as const;

/** The command line, every problem reported at once. */
function readArguments(args: string[], now: number): Backfill {
  const { values, positionals } = parseCommandLine({ args, options: OPTIONS, allowPositionals: true }, USAGE);
  const { symbol: symbolArg, interval: intervalArg, from: fromArg, to: toArg } = values;
  if (!symbolArg || !intervalArg || !fromArg || !toArg) throw new UsageError([`--symbol, --interval, --from and --to are required: ${USAGE}`]);
  const problems: string[] = positionals.length ? [`unexpected argument ${positionals[0]}: ${USAGE}`] : [];
  let symbol = '';
  try {
    symbol = normaliseSymbol(symbolArg, '--symbol');
  } catch (error) {
    problems.push((error as Error).message);
  }
  const interval = intervalArg.toUpperCase();
  if (!isCandleInterval(interval)) problems.push(`--interval must be one of ${CANDLE_INTERVALS.join(', ')}`);
  const from = parseTime(fromArg, '--from', problems);
  const to = parseTime(toArg, '--to', problems);
  if (from !== null && to !== null && from >= to) problems.push('--from must be before --to');
  if (problems.length || !isCandleInterval(interval) || from === null || to === null) throw new UsageError(problems);

  const length = INTERVAL_MS[interval];
  // Binance's candles open on interval boundaries from the epoch, as ours do.
  const start = Math.ceil(from / length) * length;
  const end = Math.min(to, candleOpenTime(interval, new Date(now)).getTime());
  if (start >= end) {
    throw new UsageError([start >= to ? `no ${interval} candle opens from ${fromArg} to ${toArg}` : `no ${interval} candle from ${fromArg} to ${toArg} has closed yet`]);
  }
  const count = Math.ceil((end - start) / length);
  if (count > MAX_CANDLES) {
    throw new UsageError([`${fromArg} to ${toArg} holds ${count} ${interval} candles; one run takes at most ${MAX_CANDLES}: split the range or use a longer interval`]);
  }
  return { symbol, interval, start, end };
}

function parseTime(value: string, name: string, problems: string[]): number | null {
  const time = ISO_TIME.test(value) ? Date.parse(value) : NaN;
  if (!Number.isNaN(time) && isCalendarDate(value.slice(0, 10))) return time;
  problems.push(`${name} must be a UTC date such as 2024-01-01, or a time such as 2024-01-01T12:00:00Z, got "${value}"`);
  return null;
}

/** Date.parse rolls 2024-02-30 over to March 1st: a real date reads back the same. */
function isCalendarDate(date: string): boolean {
  const midnight = Date.parse(`${date}T00:00:00Z`);
  return !Number.isNaN(midnight) && new Date(midnight).toISOString().startsWith(date);
}

function iso(time: number): string {
  return new Date(time).toISOString();
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `market:backfill failed: ${(error as Error)?.message ?? error}`);
  process.exit(1);
});
