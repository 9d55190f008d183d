import fs from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { databaseUrl, dropDatabase, ensureDatabase, Logger, openOrm, Orm, subgraphStoreSchema } from '@herck/common';
import { analysisStore, Backtester, IndicatorKind, TriggerMode } from '@herck/analysis';
import { withBenchDatabase } from './bench-database';

/**
 * What a long backtest costs the analysis service's own thread, the one that evaluates every
 * strategy and answers every request: replayed there (BACKTEST_THREADS=0) and on a thread of
 * its own (1), one at a time and four at once. For each: the time taken, the service thread's
 * CPU time (Linux: that thread's own, the backtest thread's not counted), and the longest time
 * it was held (the longest gap between turns of a 5 ms timer, and the event-loop delay's p99).
 */
const DAYS = Number(process.env.BENCH_DAYS ?? 30);
const MINUTE = 60_000;
const TO = Math.floor((Date.now() - 3_600_000) / MINUTE) * MINUTE;
const FROM = TO - DAYS * 1440 * MINUTE;

const strategy = (n: number) => ({
  id: `s${n}`,
  ownerId: `o${n}`,
  name: 'cross',
  symbols: ['BTC'],
  interval: 'M1' as const,
  indicators: [
    { name: 'sma', kind: IndicatorKind.SMA, period: 20 + n },
    { name: 'rsi', kind: IndicatorKind.RSI, period: 14 },
  ],
  condition: 'price > sma && rsi > 50.0',
  trigger: TriggerMode.ON_CROSS,
  cooldownSeconds: 0,
  generation: 0,
});

/** This thread's CPU seconds (Linux), or NaN elsewhere. */
function threadCpuSeconds(): number {
  try {
    const fields = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

async function measure(label: string, work: () => Promise<{ summary: { count: number } }[]>): Promise<void> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  delay.enable();
  const cpu = threadCpuSeconds();
  const start = performance.now();
  const backtests = await work();
  const seconds = (performance.now() - start) / 1000;
  const held = threadCpuSeconds() - cpu;
  clearInterval(timer);
  delay.disable();
  console.log(
    `${label}: ${seconds.toFixed(2)} s, service thread CPU ${held.toFixed(2)} s, held at most ${longest.toFixed(0)} ms (loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(0)} ms), triggers ${backtests.map((backtest) => backtest.summary.count).join(',')}`,
  );
}

async function main(): Promise<void> {
  await withBenchDatabase(async () => {
    const serverUrl = process.env.DATABASE_URL!;
    const database = `bench_backtest_${process.pid}`;
    await ensureDatabase(serverUrl, database);
    let orm: Orm | undefined;
    try {
      orm = await openOrm({ url: databaseUrl(serverUrl, database), ...subgraphStoreSchema(analysisStore), logger: new Logger('bench', 'warn', {}, () => undefined), poolSize: 8 });
      const sql = orm.em.getConnection();
      const ticks = DAYS * 1440 * 12;
      await sql.execute(
        `INSERT INTO ticks (symbol, time, price, change24h) SELECT 'BTC', to_timestamp(?::bigint / 1000.0) + n * interval '5 seconds', round((1000 + 50 * sin(n / 300.0) + 5 * sin(n / 7.0))::numeric, 4), 0.5 FROM generate_series(0, ?) n`,
        [FROM, ticks - 1],
      );
      await sql.execute(
        `INSERT INTO candles (symbol, interval, open_time, open, high, low, close, volume, change24h)
         SELECT 'BTC', 'M1', date_trunc('minute', time), (array_agg(price ORDER BY time))[1], max(price), min(price), (array_agg(price ORDER BY time DESC))[1], 1, 0.5 FROM ticks GROUP BY date_trunc('minute', time)`,
      );
      await sql.execute('ANALYZE');
      console.log(`ON_CROSS backtests of ${DAYS} days: ${ticks} ticks, ${DAYS * 1440} minute candles`);
      for (const threads of [0, 1]) {
        const backtester = new Backtester(threads);
        const run = (n: number, account = `account${n}`) => backtester.run(account, orm!.em.fork(), strategy(n), new Date(FROM), new Date(TO));
        await run(0); // warm-up (the thread's start, compiled code)
        await measure(`BACKTEST_THREADS=${threads}, one`, async () => [await run(1)]);
        await measure(`BACKTEST_THREADS=${threads}, four accounts at once`, () => Promise.all([1, 2, 3, 4].map((n) => run(n))));
        await backtester.stop();
      }
    } finally {
      await orm?.close();
      await dropDatabase(serverUrl, database);
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
