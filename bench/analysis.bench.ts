import { performance } from 'node:perf_hooks';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import Decimal from 'decimal.js';
import { exact } from '@herck/common';
import {
  CandleSeries,
  ClosedCandle,
  compileCondition,
  DatedCashFlow,
  EvaluationPool,
  Evaluator,
  IndicatorKind,
  performanceBetween,
  PortfolioTransaction,
  PriceLookup,
  StrategyEngine,
  TriggerMode,
  valuationAt,
  xirr,
} from '@herck/analysis';
import { AlertRaisedDocument, AlertRaisedSubscription, CreateStrategyDocument, send, signUp, startTestPlatform } from '@herck/tools/test-support';
import { withBenchDatabase } from './bench-database';
import { percentile } from './timing';

/**
 * Analysis speed, measured in one run: condition evaluations per second on
 * one core (10,000 strategies over 20 symbols, indicators ready), the cost of
 * one tick with 1,000 and with 100,000 candles of history (it should not
 * grow), portfolio reads over 50,000 filled orders, and tick-to-alert latency
 * through the gateway's subscription.
 */
const STRATEGIES = Number(process.env.BENCH_STRATEGIES ?? 10_000);
const PORTFOLIO_FILLS = Number(process.env.BENCH_PORTFOLIO_FILLS ?? 50_000);
/** A comma-separated subset of engine, history, portfolio and alerts, to measure only those. */
const ONLY = process.env.BENCH_ONLY?.split(',');
const SYMBOLS = Array.from({ length: 20 }, (_, index) => `S${index}`);
const ALERT_SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const MINUTE = 60_000;

function history(symbol: string, count: number, interval: CandleInterval = 'M1'): ClosedCandle[] {
  const start = Date.UTC(2026, 0, 1);
  return Array.from({ length: count }, (_, index) => {
    const close = 100 + 10 * Math.sin(index / 7) + (index % 3);
    return { symbol, interval, openTime: new Date(start + index * MINUTE), open: close - 1, high: close + 2, low: close - 2, close, volume: 10 + (index % 5) };
  });
}
type CandleInterval = ClosedCandle['interval'];

const CONDITIONS = ['rsi14 < 30.0 && price > sma50', 'macd.histogram > 0.0 && price < bb.lower', 'price > ema20 * 1.01 || change24h < -5.0', 'stoch.k > 80.0 && rsi14 > 70.0'];
const INDICATORS = [
  { name: 'rsi14', kind: IndicatorKind.RSI, period: 14 },
  { name: 'sma50', kind: IndicatorKind.SMA, period: 50 },
  { name: 'ema20', kind: IndicatorKind.EMA, period: 20 },
  { name: 'macd', kind: IndicatorKind.MACD, period: 26, fastPeriod: 12, signalPeriod: 9 },
  { name: 'bb', kind: IndicatorKind.BBANDS, period: 20, deviation: 2 },
  { name: 'stoch', kind: IndicatorKind.STOCH, period: 14, signalPeriod: 3 },
];

/** Watches the strategies, then times rounds of ticks over all symbols. */
async function tickPath(label: string, evaluator: Evaluator): Promise<void> {
  for (let index = 0; index < STRATEGIES; index += 1) {
    await evaluator.watch({
      id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
      ownerId: '00000000-0000-4000-8000-000000000000',
      name: `s${index}`,
      symbols: [SYMBOLS[index % SYMBOLS.length]!],
      interval: 'M1',
      indicators: INDICATORS,
      // Thresholds vary, so conditions are distinct programs as users' would be.
      condition: CONDITIONS[index % CONDITIONS.length]!.replace('30.0', `${20 + (index % 20)}.0`),
      trigger: TriggerMode.ON_CROSS,
      cooldownSeconds: 60,
      generation: 0,
    });
  }
  const rounds = 50;
  const start = performance.now();
  for (let round = 0; round < rounds; round += 1) {
    const time = new Date(Date.UTC(2026, 0, 2) + round * 5_000);
    const outcomes = await Promise.all(SYMBOLS.map((symbol) => evaluator.onTick(symbol, time, 100 + Math.sin(round) * 5, 1.5)));
    const failed = outcomes.find((outcome) => outcome.errors.length);
    if (failed) throw new Error(failed.errors[0]!.message);
  }
  const seconds = (performance.now() - start) / 1000;
  const evaluations = rounds * STRATEGIES;
  console.log(`engine, ${label}: ${STRATEGIES} strategies × ${SYMBOLS.length} symbols, ${rounds} rounds: ${Math.round(evaluations / seconds).toLocaleString('en')} evaluations/s, ${((seconds * 1000) / rounds).toFixed(1)} ms a round (tick, indicators, condition, decision)`);
}

/** 1. Evaluations per second: the engine's whole tick path (in this thread, then over worker threads), and the compiled conditions alone. */
async function evaluationsPerSecond(): Promise<void> {
  const loader = async (symbol: string, interval: CandleInterval, count: number) => history(symbol, Math.min(count, 600), interval);
  await tickPath('one thread', new StrategyEngine(loader, () => Date.UTC(2026, 0, 2)));
  const workers = Number(process.env.BENCH_WORKERS ?? 2);
  const pool = new EvaluationPool(workers, loader);
  try {
    await tickPath(`${workers} worker threads`, pool);
  } finally {
    await pool.stop();
  }
  const compiled = CONDITIONS.map((condition) => compileCondition(condition, INDICATORS)).map((result) => {
    if (!result.ok) throw new Error('condition did not compile');
    return result.condition;
  });
  const series = new CandleSeries('S0', 'M1');
  series.reset(INDICATORS, history('S0', 600));
  const values = Object.fromEntries(INDICATORS.map((spec) => [spec.name, series.value(spec)]));
  const count = 2_000_000;
  let held = 0;
  const conditionsStart = performance.now();
  for (let index = 0; index < count; index += 1) {
    if (compiled[index & 3]!.evaluate({ price: 100 + (index % 10), volume: 10, change24h: 1.5, ...values })) held += 1;
  }
  const conditionSeconds = (performance.now() - conditionsStart) / 1000;
  console.log(`conditions alone (CEL, fresh activation each time): ${Math.round(count / conditionSeconds).toLocaleString('en')} evaluations/s (target ≥ 1,000,000; ${held} held)`);
}

/** 2. One tick's cost with short and long history: indicators update incrementally. */
function tickCostAgainstHistory(): void {
  const costs: number[] = [];
  // The first pass warms the JIT up and is not counted.
  for (const length of [1_000, 1_000, 100_000]) {
    const series = new CandleSeries('S0', 'M1');
    series.reset(INDICATORS, history('S0', length));
    const base = Date.UTC(2026, 0, 1) + length * MINUTE;
    const ticks = 20_000;
    const start = performance.now();
    for (let index = 0; index < ticks; index += 1) {
      series.tick(new Date(base + index * 3_000), 100 + (index % 7));
      for (const spec of INDICATORS) series.value(spec);
    }
    const micros = ((performance.now() - start) * 1000) / ticks;
    costs.push(micros);
    if (costs.length === 1) continue;
    console.log(`tick with ${length.toLocaleString('en')} candles of history: ${micros.toFixed(2)} µs (${INDICATORS.length} indicators)`);
  }
  console.log(`ratio 100k / 1k history: ${(costs[2]! / costs[1]!).toFixed(2)} (flat is 1)`);
}

/** 3. Tick-to-alert latency: from the round's time to the alert arriving over the gateway's subscription. */
async function tickToAlert(): Promise<void> {
  const platform = await startTestPlatform({ MARKET_INTERVAL_SECONDS: '1', MAIL_REQUESTS_PER_CLIENT_PER_HOUR: '10000' }, { market: {}, analysis: {} });
  try {
    const user = await signUp(platform);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // Flips often on the simulated feed: the price against the average of its last two minutes' closes and now.
    const created = await send(
      platform.gatewayUrl,
      CreateStrategyDocument,
      { input: { name: 'flip', symbols: ['BTC', 'ETH', 'SOL', 'XRP', 'DOGE'], indicators: [], condition: 'change24h > -1000.0 && price > 0.0 && int(price * 1000.0) % 2 == 0', cooldownSeconds: 0 } },
      user.accessToken,
    );
    if (!created.data) throw new Error(JSON.stringify(created.errors));
    const latencies: number[] = [];
    const client = createClient({ url: platform.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${user.accessToken}` } });
    client.subscribe<AlertRaisedSubscription>({ query: print(AlertRaisedDocument) }, {
      next: (event) => {
        if (event.data) latencies.push(Date.now() - new Date(event.data.alerts.triggeredAt).getTime());
      },
      error: (error) => console.error(error),
      complete: () => undefined,
    });
    await new Promise((resolve) => setTimeout(resolve, ALERT_SECONDS * 1000));
    await client.dispose();
    latencies.sort((a, b) => a - b);
    if (!latencies.length) throw new Error('no alert arrived');
    console.log(`tick → alert via gateway subscription (${latencies.length} alerts in ${ALERT_SECONDS} s): p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms (from the round's time)`);
  } finally {
    await platform.stop();
  }
}

/** A history of filled orders as the orders subgraph records them, with a daily close for every symbol and day. */
function fillHistory(fills: number): { ledger: PortfolioTransaction[]; prices: PriceLookup; from: Date; to: Date } {
  const start = Date.UTC(2024, 0, 1);
  const days = 730;
  // A fixed pseudo-random sequence (MINSTD): the same history on every run.
  let state = 42;
  const next = (below: number) => (state = (state * 48_271) % 2_147_483_647) % below;
  const closes = new Map<string, Decimal>();
  const levels = SYMBOLS.map(() => 10_000 + next(1_000_000));
  for (let day = 0; day <= days; day += 1) {
    const key = new Date(start + day * 86_400_000).toISOString().slice(0, 10);
    SYMBOLS.forEach((symbol, index) => {
      levels[index] = Math.max(100, levels[index]! + Math.round(levels[index]! * ((next(2_001) - 980) / 50_000)));
      closes.set(`${symbol}|${key}`, new Decimal(levels[index]!).div(100));
    });
  }
  const prices: PriceLookup = (symbol, day) => closes.get(`${symbol}|${day}`) ?? null;
  const ledger = Array.from({ length: fills }, (_, index): PortfolioTransaction => {
    const time = new Date(start + Math.floor(((index + next(1_000) / 1_000) / fills) * days * 86_400_000));
    const symbol = SYMBOLS[next(SYMBOLS.length)]!;
    const close = prices(symbol, time.toISOString().slice(0, 10))!;
    // An order's quantity, rounded down to 8 decimals, and a fee in cents, paid through the orders service.
    return { kind: 'BUY', symbol, quantity: new Decimal(1 + next(50_000_000)).div(1e8), price: close, fee: new Decimal(next(300)).div(100), time, paidFromOutside: true };
  });
  return { ledger, prices, from: new Date(start - 86_400_000), to: new Date(start + days * 86_400_000) };
}

/**
 * 4. Portfolio reads over a long history, in process (the math alone, no database): holdings at the end,
 * and the performance over all of it, where each fill is money put in, so the ledger is valued before
 * every one of them and XIRR discounts as many flows (timed alone too).
 */
function portfolioReads(): void {
  const { ledger, prices, from, to } = fillHistory(PORTFOLIO_FILLS);
  const timed = <T>(run: () => T): [T, number] => {
    const start = performance.now();
    const result = run();
    return [result, (performance.now() - start) / 1000];
  };
  const [holdings, holdingsSeconds] = timed(() => valuationAt(ledger, to, 'FIFO', prices));
  const [result, performanceSeconds] = timed(() => performanceBetween(ledger, { from, to, method: 'FIFO', prices }));
  // The flows performance solves: each fill's exact cost put in, the end value taken out.
  const flows: DatedCashFlow[] = ledger.map((fill) => ({ amount: exact(fill.quantity).mul(fill.price).plus(fill.fee).neg(), time: fill.time }));
  flows.push({ amount: result.end.value, time: to });
  const [rate, xirrSeconds] = timed(() => xirr(flows));
  const fills = PORTFOLIO_FILLS.toLocaleString('en');
  console.log(`portfolio of ${fills} filled orders over ${SYMBOLS.length} symbols: holdings ${holdingsSeconds.toFixed(2)} s (value ${holdings.value.toFixed(2)}), performance ${performanceSeconds.toFixed(2)} s (twr ${result.twr?.toFixed(6)}, xirr ${result.xirr?.toFixed()}), of it XIRR over ${flows.length.toLocaleString('en')} flows ${xirrSeconds.toFixed(2)} s (${rate?.toFixed()})`);
}

async function main(): Promise<void> {
  const wanted = (part: string) => !ONLY || ONLY.includes(part);
  if (wanted('engine')) await evaluationsPerSecond();
  if (wanted('history')) tickCostAgainstHistory();
  if (wanted('portfolio')) portfolioReads();
  if (wanted('alerts')) await withBenchDatabase(tickToAlert);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
