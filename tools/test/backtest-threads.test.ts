import { randomBytes } from 'node:crypto';
import Decimal from 'decimal.js';
import { ClientGoneError, databaseUrl, dropDatabase, ensureDatabase, isClientGone, Logger, openOrm, Orm, subgraphStoreSchema } from '@herck/common';
import { checkBacktest, runBacktest } from '../../subgraphs/analysis/src/modules/backtest/backtest.service';
import { Backtest } from '../../subgraphs/analysis/src/modules/backtest/backtest.type';
import { Backtester } from '../../subgraphs/analysis/src/modules/backtest/backtester';
import { StrategyDefinition } from '../../subgraphs/analysis/src/modules/evaluation/strategy-definition';
import { IndicatorKind } from '../../subgraphs/analysis/src/modules/indicator/indicator-kind';
import { TriggerMode } from '../../subgraphs/analysis/src/modules/strategy/trigger-mode';
import { SUBGRAPH_STORES } from '../src/herck-stores';

const serverUrl = process.env.DATABASE_URL!;
const database = `test_backtest_threads_${randomBytes(4).toString('hex')}`;
const MINUTE = 60_000;
/** A day and a half of minute candles for two symbols, ticks every 5 s for the last day only, ending an hour ago. */
const TO = Math.floor((Date.now() - 3_600_000) / MINUTE) * MINUTE;
const FROM = TO - 1.5 * 1440 * MINUTE;
const TICKS_FROM = TO - 1440 * MINUTE;
let orm: Orm;
const threaded = new Backtester(1);

/**
 * On a thread, a backtest reads its pages of candles and ticks as one JSON text each, which the
 * thread turns into rows (series-pages.ts); on the caller's, as rows. Both must give the same rows:
 * times to the millisecond (these ticks have microseconds), exact prices, missing 24-hour changes.
 */
beforeAll(async () => {
  await ensureDatabase(serverUrl, database);
  orm = await openOrm({ url: databaseUrl(serverUrl, database), ...subgraphStoreSchema(SUBGRAPH_STORES.analysis), logger: new Logger('test', 'warn', {}, () => undefined), poolSize: 4 });
  const sql = orm.em.getConnection();
  await sql.execute(
    `INSERT INTO ticks (symbol, time, price, change24h)
     SELECT symbol, to_timestamp(?::bigint / 1000.0) + n * interval '5 seconds' + interval '1234.567 microseconds' * (n % 3),
            round((base + 50 * sin(n / 300.0) + 5 * sin(n / 7.0))::numeric, 6), CASE WHEN n % 11 = 0 THEN NULL ELSE round((n % 7 - 3) / 10.0, 2) END
       FROM generate_series(0, 17279) n, (VALUES ('BTC', 1000), ('ETH', 2000)) symbols(symbol, base)`,
    [TICKS_FROM],
  );
  // Candles of the day before the range and of the range's first half day, without ticks (a path of their own), then those of the ticks.
  await sql.execute(
    `INSERT INTO candles (symbol, interval, open_time, open, high, low, close, volume, change24h)
     SELECT symbol, 'M1', to_timestamp(?::bigint / 1000.0) + n * interval '1 minute', c - 1, c + 2, c - 2, c, 1.5 + n % 4, CASE WHEN n % 5 = 0 THEN NULL ELSE 0.25 END
       FROM (SELECT symbol, n, round((base + 40 * sin(n / 40.0))::numeric, 4) AS c FROM generate_series(0, 2159) n, (VALUES ('BTC', 1000), ('ETH', 2000)) symbols(symbol, base)) path`,
    [FROM - 1440 * MINUTE],
  );
  await sql.execute(
    `INSERT INTO candles (symbol, interval, open_time, open, high, low, close, volume, change24h)
     SELECT symbol, 'M1', date_trunc('minute', time), (array_agg(price ORDER BY time))[1], max(price), min(price), (array_agg(price ORDER BY time DESC))[1], count(*), max(change24h)
       FROM ticks GROUP BY symbol, date_trunc('minute', time)`,
  );
}, 60_000);

afterAll(async () => {
  await threaded.stop();
  await orm?.close();
  await dropDatabase(serverUrl, database);
});

const strategy = (trigger: TriggerMode, condition: string): StrategyDefinition => ({
  id: `s-${trigger}`,
  ownerId: 'o',
  name: trigger,
  symbols: ['BTC', 'ETH'],
  interval: 'M1',
  indicators: [
    { name: 'sma', kind: IndicatorKind.SMA, period: 20 },
    { name: 'bb', kind: IndicatorKind.BBANDS, period: 20, deviation: 2 },
  ],
  condition,
  trigger,
  cooldownSeconds: 30,
  generation: 0,
});

/** Every Decimal as its digits and every Date as its time, so two answers compare exactly. */
const digits = (backtest: Backtest): unknown => JSON.parse(JSON.stringify(backtest, (_, item: unknown) => (Decimal.isDecimal(item) ? `D:${(item as Decimal).toFixed()}` : item)));

it('replays on a thread exactly what it replays on the caller’s', async () => {
  for (const definition of [
    strategy(TriggerMode.ON_CROSS, 'price > sma && change24h > 0.0'),
    strategy(TriggerMode.ON_CLOSE, 'price < bb.lower || change24h > 0.2'),
    strategy(TriggerMode.ONCE, 'price > bb.upper'),
  ]) {
    const here = await runBacktest(orm.em.fork(), definition, new Date(FROM), new Date(TO));
    const there = await threaded.run('account', orm.em.fork(), definition, new Date(FROM), new Date(TO));
    expect(here.summary.count).toBeGreaterThan(0);
    expect(digits(there)).toEqual(digits(here));
  }
});

it('refuses a backtest at once, even while the account’s previous one replays', async () => {
  const settled: string[] = [];
  const long = threaded.run('account', orm.em.fork(), strategy(TriggerMode.ON_CROSS, 'price > sma'), new Date(FROM), new Date(TO)).then(() => settled.push('long'));
  const refused = threaded.run('account', orm.em.fork(), strategy(TriggerMode.ON_CROSS, 'price >'), new Date(FROM), new Date(TO)).catch((error: { extensions?: { code?: string } }) => {
    settled.push(`refused ${error.extensions?.code}`);
  });
  await Promise.all([long, refused]);
  expect(settled).toEqual(['refused BAD_USER_INPUT', 'long']);
});

it('answers a backtest replayed on the service’s own thread (BACKTEST_THREADS=0) whose client went away with the client’s leaving, not an error of its own', async () => {
  const unthreaded = new Backtester(0);
  const caller = new AbortController();
  const em = orm.em.fork();
  // The client leaves while the replay reads its first page of ticks: the replay then has rows of it in hand.
  const execute = em.execute.bind(em);
  jest.spyOn(em, 'execute').mockImplementation(async (...args: Parameters<typeof em.execute>) => {
    const rows = await execute(...args);
    if (String(args[0]).includes('FROM ticks') && !caller.signal.aborted) caller.abort(new ClientGoneError());
    return rows;
  });
  const outcome = await unthreaded.run('account', em, strategy(TriggerMode.ON_CROSS, 'price > sma'), new Date(FROM), new Date(TO), caller.signal).catch((error: unknown) => error);
  expect(caller.signal.aborted).toBe(true);
  // Counted and logged as abandoned (isClientGone), as on a thread: not an INTERNAL_SERVER_ERROR.
  expect(isClientGone(outcome)).toBe(true);
});

it('refuses at once a backtest that would take its account’s backtests under way past their bound, and admits it once the other has ended', async () => {
  const definition = strategy(TriggerMode.ON_CROSS, 'price > sma');
  const work = await checkBacktest(orm.em.fork(), definition, new Date(FROM), new Date(TO));
  expect(work).toBeGreaterThan(0);
  // Room for one such backtest and a half: a second one under way at once passes it.
  const bounded = new Backtester(1, 1.5 * work);
  try {
    // The first is held at its first page of ticks (the check's count of them passes), so it is under way while the second is asked.
    const held = orm.em.fork();
    let reached: () => void = () => undefined;
    const reachedFirstPage = new Promise<void>((resolve) => (reached = resolve));
    let go: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (go = resolve));
    const execute = held.execute.bind(held);
    jest.spyOn(held, 'execute').mockImplementation(async (...args: Parameters<typeof held.execute>) => {
      const sql = String(args[0]);
      if (sql.includes('FROM ticks') && !sql.includes('count(*)')) {
        reached();
        await gate;
      }
      return execute(...args);
    });
    const first = bounded.run('account', held, definition, new Date(FROM), new Date(TO));
    await reachedFirstPage;
    const refused = await bounded.run('account', orm.em.fork(), definition, new Date(FROM), new Date(TO)).catch((error: { extensions?: Record<string, unknown> }) => error.extensions);
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    // Another account's is no concern of this one's bound.
    const others = bounded.run('another account', orm.em.fork(), definition, new Date(FROM), new Date(TO));
    go();
    expect((await first).summary.count).toBeGreaterThan(0);
    expect((await others).summary.count).toBe((await first).summary.count);
    // The first has ended: its work is given back.
    expect((await bounded.run('account', orm.em.fork(), definition, new Date(FROM), new Date(TO))).summary.count).toBe((await first).summary.count);
  } finally {
    await bounded.stop();
  }
});
