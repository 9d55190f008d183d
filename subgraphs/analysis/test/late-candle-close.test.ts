import { randomUUID } from 'node:crypto';
import { BusEvent, Logger, MARKET_CANDLE, MARKET_TICK, MarketCandleEvent, MarketTickEvent, openSubgraphStore, Orm, testEnvironment, TestEnvironment } from '@herck/common';
import { analysisStore, readAnalysisConfig } from '../src';
import { CandleStore } from '../src/modules/candle/candle-store';
import { marketEventHandlers } from '../src/modules/evaluation/market-events.handler';
import { StrategyDefinition } from '../src/modules/evaluation/strategy-definition';
import { Firing, StrategyEngine } from '../src/modules/evaluation/strategy-engine';
import { IndicatorKind } from '../src/modules/indicator/indicator-kind';
import { TriggerMode } from '../src/modules/strategy/trigger-mode';

/**
 * A candle's close that reaches analysis after the next period's first tick (or after a newer
 * announcement of the same close) is kept in the store by revision; the live series takes it for
 * its own period the same way, so the strategies evaluated afterwards read the close the store
 * has, as a restarted analysis would.
 */
let environment: TestEnvironment;
let orm: Orm;
const logger = new Logger('analysis', 'error');
const MINUTE = 60_000;
const START = Date.UTC(2026, 10, 23, 12, 0, 0);

beforeAll(async () => {
  environment = testEnvironment();
  orm = await openSubgraphStore(readAnalysisConfig(environment.env), logger, analysisStore);
});
afterAll(async () => {
  await orm?.close();
  await environment?.cleanUp();
});

const strategy: StrategyDefinition = {
  id: 'a0000000-0000-4000-8000-000000000001',
  ownerId: 'b0000000-0000-4000-8000-000000000001',
  name: 'above its average',
  symbols: ['BTC'],
  interval: 'M1',
  indicators: [{ name: 'sma3', kind: IndicatorKind.SMA, period: 3 }],
  condition: 'sma3 > 110.0',
  trigger: TriggerMode.ON_CROSS,
  cooldownSeconds: 0,
  generation: 0,
};

const busEvent = (type: string, payload: object): BusEvent => ({ position: '1', id: randomUUID(), type, source: 'market', payload: payload as Record<string, unknown>, createdAt: new Date() });
const candle = (minute: number, close: string, revision: number): MarketCandleEvent => ({
  symbol: 'BTC',
  interval: 'M1',
  openTime: new Date(START + minute * MINUTE).toISOString(),
  closeTime: new Date(START + (minute + 1) * MINUTE).toISOString(),
  open: close,
  high: close,
  low: close,
  close,
  volume: '1',
  revision,
});
const tick = (minute: number, second: number, price: string): MarketTickEvent => ({
  time: new Date(START + minute * MINUTE + second * 1000).toISOString(),
  prices: [{ symbol: 'BTC', price, source: 'test', volume24h: null, change24h: null }],
});

/** An engine reading analysis's own store, as the subgraph's, that notes what fires on ticks and closes. */
class NotingEngine extends StrategyEngine {
  readonly fired: Firing[] = [];
  constructor(now = () => START + 10 * MINUTE) {
    super((symbol, interval, count) => CandleStore.latest(orm.em.fork(), symbol, interval, count), now);
  }
  override onTick(...args: Parameters<StrategyEngine['onTick']>) {
    const outcome = super.onTick(...args);
    this.fired.push(...outcome.firings);
    return outcome;
  }
  override onCandleClosed(...args: Parameters<StrategyEngine['onCandleClosed']>) {
    const outcome = super.onCandleClosed(...args);
    this.fired.push(...outcome.firings);
    return outcome;
  }
}

it("takes a close that came after the next period's first tick into the live series, ordered by revision as the store is", async () => {
  const engine = new NotingEngine();
  const handlers = marketEventHandlers(engine, logger, Number.POSITIVE_INFINITY);
  const deliver = (type: string, payload: object) => orm.em.fork().transactional((em) => handlers[type]!(busEvent(type, payload), em));
  for (const minute of [0, 1, 2]) await deliver(MARKET_CANDLE, candle(minute, '100', 1));
  await engine.watch(strategy);

  await deliver(MARKET_TICK, tick(3, 0, '100'));
  // Minute 4's first round comes before minute 3's close: sma3 reads (100 + 100 + 100) / 3.
  await deliver(MARKET_TICK, tick(4, 0, '100'));
  expect(engine.fired).toEqual([]);
  await deliver(MARKET_CANDLE, candle(3, '160', 3));
  // An older announcement of that close, later on the bus: the store keeps the newer, and so does the series.
  await deliver(MARKET_CANDLE, candle(3, '400', 2));
  const [stored] = await orm.em.fork().execute<{ close: string }[]>("SELECT close::text FROM candles WHERE symbol = 'BTC' AND interval = 'M1' AND open_time = ?", [new Date(START + 3 * MINUTE)]);
  expect(stored).toEqual({ close: '160' });

  await deliver(MARKET_TICK, tick(4, 10, '100'));
  // (100 + 160 + 100) / 3: the closed value of minute 3, as the store holds it.
  expect(engine.fired.map((firing) => firing.values.sma3)).toEqual([120]);

  // A restarted analysis, warmed up from the store, reads the same.
  const restarted = new NotingEngine();
  await restarted.watch(strategy);
  restarted.onTick('BTC', new Date(START + 4 * MINUTE + 10_000), 100, Number.NaN);
  expect(restarted.fired.map((firing) => firing.values.sma3)).toEqual([120]);
});

it('evaluates a close after a restart with the 24-hour change the store kept, before any tick reached the new engine', async () => {
  // Times of now: the store keeps a close's change only for a close live evaluation reads.
  const lastMinute = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;
  const closeOf = (openTime: number): MarketCandleEvent => ({ ...candle(0, '100', 1), symbol: 'ETH', openTime: new Date(openTime).toISOString(), closeTime: new Date(openTime + MINUTE).toISOString() });
  const before = marketEventHandlers(new NotingEngine(Date.now), logger, Number.POSITIVE_INFINITY);
  await orm.em.fork().transactional((em) => before[MARKET_TICK]!(busEvent(MARKET_TICK, { time: new Date(lastMinute).toISOString(), prices: [{ symbol: 'ETH', price: '100', source: 'test', volume24h: null, change24h: '2.5' }] }), em));

  // Analysis restarts: the new engine has seen no tick when the period's close arrives.
  const restarted = new NotingEngine(Date.now);
  await restarted.watch({ ...strategy, id: 'a0000000-0000-4000-8000-000000000002', symbols: ['ETH'], indicators: [], condition: 'change24h > 1.0', trigger: TriggerMode.ON_CLOSE });
  const after = marketEventHandlers(restarted, logger, Number.POSITIVE_INFINITY);
  await orm.em.fork().transactional((em) => after[MARKET_CANDLE]!(busEvent(MARKET_CANDLE, closeOf(lastMinute - MINUTE)), em));
  expect(restarted.fired.map((firing) => firing.values.change24h)).toEqual([2.5]);
});
