import { createHash, randomBytes } from 'node:crypto';
import { databaseUrl, dropDatabase, ensureDatabase, Logger, openOrm, Orm, subgraphStoreSchema } from '@herck/common';
import { runBacktest } from '../../subgraphs/analysis/src/modules/backtest/backtest.service';
import { BACKTEST_BATCH } from '../../subgraphs/analysis/src/modules/backtest/series-reader';
import { IndicatorKind } from '../../subgraphs/analysis/src/modules/indicator/indicator-kind';
import { TriggerMode } from '../../subgraphs/analysis/src/modules/strategy/trigger-mode';
import { SUBGRAPH_STORES } from '../src/herck-stores';

const serverUrl = process.env.DATABASE_URL!;
const database = `test_backtest_batches_${randomBytes(4).toString('hex')}`;
const MINUTE = 60_000;
/** Two days of ticks every 5 s (34,560) and their minute candles, ending an hour ago. */
const TO = Math.floor((Date.now() - 3_600_000) / MINUTE) * MINUTE;
const FROM = TO - 2 * 1440 * MINUTE;
const statements: string[] = [];
let orm: Orm;

/**
 * A backtest read every candle and tick of its range in one statement and held them all, with
 * the events it sorted them into: 900,000 ticks (within MAX_BACKTEST_TICKS) took the analysis
 * process from 406 MB to 915 MB. They are now read and replayed a batch at a time; what it gives
 * is unchanged. Statements and their row counts come from the store's debug log (MikroORM's).
 */
beforeAll(async () => {
  await ensureDatabase(serverUrl, database);
  const sink = (line: string) => statements.push(line);
  orm = await openOrm({ url: databaseUrl(serverUrl, database), ...subgraphStoreSchema(SUBGRAPH_STORES.analysis), logger: new Logger('test', 'debug', {}, sink), poolSize: 2 });
  const sql = orm.em.getConnection();
  // A price path with rises and falls, so the strategy crosses its average many times.
  await sql.execute(
    `INSERT INTO ticks (symbol, time, price, change24h)
     SELECT 'BTC', to_timestamp(?::bigint / 1000.0) + n * interval '5 seconds', round((1000 + 50 * sin(n / 300.0) + 5 * sin(n / 7.0))::numeric, 4), 0.5
       FROM generate_series(0, 34559) n`,
    [FROM],
  );
  await sql.execute(
    `INSERT INTO candles (symbol, interval, open_time, open, high, low, close, volume, change24h)
     SELECT 'BTC', 'M1', date_trunc('minute', time), (array_agg(price ORDER BY time))[1], max(price), min(price), (array_agg(price ORDER BY time DESC))[1], 1, 0.5
       FROM ticks GROUP BY date_trunc('minute', time)`,
  );
}, 60_000);

afterAll(async () => {
  await orm?.close();
  await dropDatabase(serverUrl, database);
});

const rowsOf = (line: string) => Number(/\[took \d+ ms, (\d+) results?\]/.exec(line)?.[1] ?? 0);

it('replays a long range a batch at a time and gives what it gave', async () => {
  statements.length = 0;
  const backtest = await runBacktest(
    orm.em.fork(),
    { id: 'b', ownerId: 'o', name: 'cross', symbols: ['BTC'], interval: 'M1', indicators: [{ name: 'sma', kind: IndicatorKind.SMA, period: 20 }], condition: 'price > sma', trigger: TriggerMode.ON_CROSS, cooldownSeconds: 0, generation: 0 },
    new Date(FROM),
    new Date(TO),
  );
  // What the whole-range replay gave on this data: the same triggers, each as (time from the start, price, values).
  const triggers = backtest.triggers.map((trigger) => [trigger.time.getTime() - FROM, trigger.price.toFixed(), trigger.values]);
  expect(backtest.summary.count).toBe(132);
  expect(createHash('sha256').update(JSON.stringify(triggers)).digest('hex')).toBe('67a23eb73409c30406d2fcb5f984055f33938e2b9aa349a5c8c5a1991ab5205d');
  expect(Math.max(...statements.map(rowsOf))).toBeLessThanOrEqual(BACKTEST_BATCH);
});
