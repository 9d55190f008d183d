import Decimal from 'decimal.js';
import { writeRound } from '../src';
import { AssetService } from '../src/modules/asset/asset.service';
import { HistoryRepository } from '../src/modules/history/history.repository';
import { MarketRound } from '../src/modules/ingestion/market-round';
import { timePage } from '../src/modules/paging/time-page';
import { useMarketStore } from './support/market-store';

/**
 * `globalMetrics` lists the rounds that have market-wide figures: a round
 * without any (a provider such as Binance gives none) is `global: null` on its
 * ticks and in the snapshot, so it is no node of nulls in the history either.
 */
const store = useMarketStore();

const round = (time: string, withFigures: boolean): MarketRound => ({
  time: new Date(time),
  ticks: [{ symbol: 'BTC', price: new Decimal('100'), volume24h: null, marketCap: null, percentChange1h: null, percentChange24h: null, time: new Date(time), quoteCurrency: 'USD', source: 'test' }],
  global: withFigures ? { time: new Date(time), totalMarketCap: new Decimal('3000000000000'), totalVolume24h: new Decimal('90000000000'), btcDominance: new Decimal('60'), activeCryptocurrencies: 9500 } : null,
  globalSource: withFigures ? 'test' : null,
  fx: [],
});

beforeAll(async () => {
  await new AssetService().seed(store.orm.em.fork(), ['BTC']);
  await writeRound(store.orm.em.fork(), round('2026-12-02T12:00:00Z', true), 60);
  await writeRound(store.orm.em.fork(), round('2026-12-02T12:01:00Z', false), 60);
  await writeRound(store.orm.em.fork(), round('2026-12-02T12:02:00Z', true), 60);
});

it('lists only the rounds with figures, newest first and from a time, as the other paths show them', async () => {
  const history = new HistoryRepository(store.orm.em.fork());
  const newest = await history.globalMetrics(timePage({ list: 'globalMetrics', first: 10 }));
  expect(newest.map((metrics) => metrics.time.toISOString())).toEqual(['2026-12-02T12:02:00.000Z', '2026-12-02T12:00:00.000Z']);
  const fromTime = await history.globalMetrics(timePage({ list: 'globalMetrics', from: new Date('2026-12-02T12:01:00Z'), first: 1 }));
  expect(fromTime.map((metrics) => metrics.time.toISOString())).toEqual(['2026-12-02T12:02:00.000Z']);
  // The same round read as a tick's or the snapshot's figures: none.
  expect((await history.round(new Date('2026-12-02T12:01:00Z')))?.global).toBeNull();
});

it('pages them through an index of the rounds with figures, not a walk over every round without', async () => {
  // A month of rounds without figures since the two above (a provider that gives none took over): the newest page
  // with figures lies behind all of them in time order.
  await store.orm.em.fork().execute(
    "INSERT INTO global_metrics (time) SELECT timestamptz '2026-12-02T12:02:00Z' + n * interval '1 minute' FROM generate_series(1, 40000) AS n ON CONFLICT DO NOTHING",
  );
  await store.orm.em.fork().execute('ANALYZE global_metrics');
  const em = store.orm.em.fork();
  // The statement globalMetrics runs, as the repository builds it.
  const statements: string[] = [];
  const logged = new HistoryRepository(new Proxy(em, { get: (target, key) => (key === 'execute' ? (sql: string, params: unknown[]) => (statements.push(sql), target.execute(sql, params)) : Reflect.get(target, key)) }));
  // A page of one reads one more, to tell whether another page follows.
  expect((await logged.globalMetrics(timePage({ list: 'globalMetrics', first: 1 }))).map((metrics) => metrics.time.toISOString())).toEqual(['2026-12-02T12:02:00.000Z', '2026-12-02T12:00:00.000Z']);
  const plan = await em.execute<{ 'QUERY PLAN': string }[]>(`EXPLAIN (ANALYZE, FORMAT TEXT) ${statements[0]!.replace(/\?/g, () => 'NULL')}`);
  const text = plan.map((row) => row['QUERY PLAN']).join('\n');
  expect(text).toContain('global_metrics_with_figures');
  expect(text).not.toMatch(/Rows Removed by Filter: [1-9]/);
});
