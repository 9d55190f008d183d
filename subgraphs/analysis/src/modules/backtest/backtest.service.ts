import { EntityManager } from '@mikro-orm/postgresql';
import Decimal from 'decimal.js';
import { BadUserInputError, CandleInterval, candleOpenTime, INTERVAL_MS } from '@herck/common';
import { CandleStore } from '../candle/candle-store';
import { ClosedCandle } from '../candle/closed-candle';
import { StoredTick, TickStore } from '../candle/tick-store';
import { compileCondition } from '../condition/condition-compiler';
import { CandleSeries } from '../evaluation/candle-series';
import { evaluateCondition, plainValues, prepareStrategy } from '../evaluation/evaluate-condition';
import { StrategyDefinition } from '../evaluation/strategy-definition';
import { decide, INITIAL_STATE } from '../evaluation/trigger-policy';
import { TriggerMode } from '../strategy/trigger-mode';
import { warmUpCandles } from '../indicator/live-indicator';
import { Backtest, BacktestTrigger } from './backtest.type';
import { SeriesReader } from './series-reader';

/** Candles replayed at most per backtest (all symbols together): a year of M1 candles for one symbol is 525,600. */
export const MAX_BACKTEST_CANDLES = 600_000;
const DAY_MS = 86_400_000;
/** The earliest time PostgreSQL and the DateTime scalar both take (a day before it is year 0). */
const EARLIEST_MS = Date.parse('0001-01-01T00:00:00Z');

/** Ticks replayed at most per backtest (all symbols together): 30 days of a round every 5 s for two symbols. */
export const MAX_BACKTEST_TICKS = 1_000_000;

/**
 * Replays a strategy over analysis's stored candles and ticks with the code
 * live evaluation runs: the same series, condition and trigger decision, fed
 * in the order live evaluation was. An ON_CLOSE strategy evaluates at each
 * candle's close; the others evaluate on every tick, as live (each candle's
 * close, announced in the round at its end before that round's tick, only
 * ends its period), and at the close of a candle whose period has no stored
 * tick (before ANALYSIS_TICK_RETENTION_DAYS, imported history). `change24h` is
 * the tick's figure; at a close, the figure live evaluation read then (kept
 * with the candle), or, for a candle analysis did not see close, the change
 * from the close 24 hours before.
 */
export async function runBacktest(em: EntityManager, strategy: StrategyDefinition, from: Date, to: Date): Promise<Backtest> {
  const compiled = compileCondition(strategy.condition, strategy.indicators);
  if (!compiled.ok) throw new BadUserInputError('The strategy’s condition does not compile', 'id');
  const length = INTERVAL_MS[strategy.interval];
  // The bound is on the candles actually replayed: ANALYST and ADMIN reach all history, so a range
  // from long before the first stored candle (or past the last) must not count candles that are not
  // there — estimated from the requested range alone, `from: 1970` was refused for any strategy.
  if ((await storedCandleSpan(em, strategy.symbols, strategy.interval, from, to)) > MAX_BACKTEST_CANDLES) {
    throw new BadUserInputError(`That range holds more than ${MAX_BACKTEST_CANDLES} candles; choose a shorter one`, 'to');
  }
  const onTicks = strategy.trigger !== TriggerMode.ON_CLOSE;
  if (onTicks && (await TickStore.count(em, strategy.symbols, from, to)) > MAX_BACKTEST_TICKS) {
    throw new BadUserInputError(`That range holds more than ${MAX_BACKTEST_TICKS} ticks; choose a shorter one`, 'to');
  }
  const prepared = prepareStrategy(strategy, compiled.condition);
  const warmUp = Math.max(0, ...strategy.indicators.map(warmUpCandles));
  const triggers: BacktestTrigger[] = [];
  for (const symbol of strategy.symbols) {
    const series = new CandleSeries(symbol, strategy.interval);
    series.reset(strategy.indicators, await CandleStore.latest(em, symbol, strategy.interval, warmUp, from));
    const candles = new SeriesReader((page) => CandleStore.between(em, symbol, strategy.interval, from, to, page), (candle) => candle.openTime);
    const ticks = new SeriesReader((page) => (onTicks ? TickStore.between(em, symbol, from, to, page) : Promise.resolve([])), (tick) => tick.time);
    /** Periods (open times) with a tick, since the last close: a period's ticks all come before its close. */
    const tickedPeriods = new Set<number>();
    // The range's first day compares with closes from the day before it (none before the year 1).
    const dayBefore = await CandleStore.between(em, symbol, strategy.interval, new Date(Math.max(from.getTime() - DAY_MS, EARLIEST_MS)), from);
    /** Closes by open time, oldest first: the last day's, for each close's 24-hour change. */
    const closes = new Map(dayBefore.map((candle) => [candle.openTime.getTime(), candle.close]));
    let state = INITIAL_STATE;
    /** Evaluates at `at` with this price; true once a ONCE strategy has fired (nothing more to replay). */
    const evaluate = (at: number, price: number, exactPrice: string | number, change24h: number): boolean => {
      const evaluation = evaluateCondition(prepared, series, { price, change24h });
      if (evaluation.kind !== 'result') return false;
      const decision = decide(strategy.trigger, state, evaluation.holds, at, strategy.cooldownSeconds);
      state = decision.state;
      if (!decision.fire) return false;
      triggers.push({ time: new Date(at), symbol, price: new Decimal(exactPrice), values: plainValues(evaluation.variables) });
      return strategy.trigger === TriggerMode.ONCE;
    };
    for (;;) {
      if (candles.drained) await candles.next();
      if (ticks.drained) await ticks.next();
      const event = nextInLiveOrder(candles, ticks, length);
      if (!event) break;
      if ('close' in event) {
        const candle = event;
        const open = candle.openTime.getTime();
        const ticked = tickedPeriods.has(open);
        dropUntil(tickedPeriods, open);
        closes.set(open, candle.close);
        dropUntil(closes, open - DAY_MS - 1);
        if (!series.close(candle)) continue;
        // Live, a strategy that evaluates on ticks did so during the period; without its ticks, at the close.
        if (onTicks && ticked) continue;
        const closeDayBefore = closes.get(open - DAY_MS);
        const change24h = candle.change24h ?? (closeDayBefore ? ((candle.close - closeDayBefore) / closeDayBefore) * 100 : Number.NaN);
        if (evaluate(open + length, candle.close, candle.exactClose ?? candle.close, change24h)) break;
      } else {
        tickedPeriods.add(candleOpenTime(strategy.interval, event.time).getTime());
        const price = Number(event.price);
        if (!series.tick(event.time, price)) continue;
        if (evaluate(event.time.getTime(), price, event.price, event.change24h === null ? Number.NaN : Number(event.change24h))) break;
      }
    }
  }
  triggers.sort((a, b) => a.time.getTime() - b.time.getTime() || a.symbol.localeCompare(b.symbol));
  const kept = strategy.trigger === TriggerMode.ONCE ? triggers.slice(0, 1) : triggers;
  return { triggers: kept, summary: { count: kept.length, firstAt: kept[0]?.time ?? null, lastAt: kept.at(-1)?.time ?? null } };
}

/**
 * How many candles the stored series hold at most in [from, to): per symbol, the span from its
 * first to its last stored candle there, in candles. Two index look-ups per symbol, however long the range.
 */
async function storedCandleSpan(em: EntityManager, symbols: string[], interval: CandleInterval, from: Date, to: Date): Promise<number> {
  let candles = 0;
  for (const symbol of symbols) {
    const [row] = await em.execute<{ first: Date | null; last: Date | null }[]>(
      `SELECT (SELECT open_time FROM candles WHERE symbol = ? AND interval = ? AND open_time >= ? AND open_time < ? ORDER BY open_time LIMIT 1) AS first,
              (SELECT open_time FROM candles WHERE symbol = ? AND interval = ? AND open_time >= ? AND open_time < ? ORDER BY open_time DESC LIMIT 1) AS last`,
      [symbol, interval, from, to, symbol, interval, from, to],
    );
    if (row?.first && row.last) candles += (new Date(row.last).getTime() - new Date(row.first).getTime()) / INTERVAL_MS[interval] + 1;
  }
  return candles;
}

/**
 * The next of the candles and ticks in the order live evaluation met them: by time, a candle
 * at its close; a candle closing when a tick is dated before that tick (market announces a
 * round's closed candles before its tick). Both series come oldest first.
 */
function nextInLiveOrder(candles: SeriesReader<ClosedCandle>, ticks: SeriesReader<StoredTick>, length: number): ClosedCandle | StoredTick | undefined {
  const candle = candles.peek();
  const tick = ticks.peek();
  if (candle && (!tick || candle.openTime.getTime() + length <= tick.time.getTime())) return candles.take();
  return tick ? ticks.take() : undefined;
}

/** Forgets the keys up to `last` of a collection kept in ascending key order. */
function dropUntil(keys: Set<number> | Map<number, unknown>, last: number): void {
  for (const key of keys.keys()) {
    if (key > last) return;
    keys.delete(key);
  }
}
