import Decimal from 'decimal.js';
import { candleOpenTime, INTERVAL_MS } from '@herck/common/time';
import type { ClosedCandle } from '../candle/closed-candle';
import type { StoredTick } from '../candle/tick-store';
import { compileCondition } from '../condition/condition-compiler';
import { CandleSeries } from '../evaluation/candle-series';
import { evaluateCondition, plainValues, prepareStrategy } from '../evaluation/evaluate-condition';
import type { StrategyDefinition } from '../evaluation/strategy-definition';
import { decide, INITIAL_STATE } from '../evaluation/trigger-policy';
import { TriggerMode } from '../strategy/trigger-mode';
import { warmUpCandles } from '../indicator/live-indicator';
import type { Backtest, BacktestTrigger } from './backtest.type';
import { SeriesRead } from './series-request';
import { SeriesReader } from './series-reader';

// Runs on a backtest thread too: it imports only light modules (common's `time`, not its index, which
// costs a thread more than a second and 30 MB to load), and reads the store only through `read`.

const DAY_MS = 86_400_000;
/** What a stopped replay rejects with (its caller, gone, has been answered already). */
export const REPLAY_STOPPED = 'The backtest was stopped: its client went away';

/**
 * Replays a strategy (whose condition compiles) over the candles and ticks `read` gives, with the
 * code live evaluation runs: the same series, condition and trigger decision, fed in the order
 * live evaluation was. An ON_CLOSE strategy evaluates at each candle's close; the others evaluate
 * on every tick, as live (each candle's close, announced in the round at its end before that
 * round's tick, only ends its period), and at the close of a candle whose period has no stored
 * tick (before ANALYSIS_TICK_RETENTION_DAYS, imported history). `change24h` is the tick's figure;
 * at a close, the figure live evaluation read then (kept with the candle), or, for a candle
 * analysis did not see close, the change from the close 24 hours before.
 *
 * `stopped` is asked before each row: once it says so (the client went away), the replay rejects
 * there, not at its next read (a page is up to BACKTEST_BATCH rows, each replayed without a pause).
 */
export async function replayBacktest(strategy: StrategyDefinition, read: SeriesRead, stopped: () => boolean = () => false): Promise<Backtest> {
  const compiled = compileCondition(strategy.condition, strategy.indicators);
  if (!compiled.ok) throw new Error('The strategy’s condition does not compile');
  const length = INTERVAL_MS[strategy.interval];
  const onTicks = strategy.trigger !== TriggerMode.ON_CLOSE;
  const prepared = prepareStrategy(strategy, compiled.condition);
  // At least the last closed candle, whose volume conditions read, as live evaluation holds it.
  const warmUp = Math.max(1, ...strategy.indicators.map(warmUpCandles));
  const triggers: BacktestTrigger[] = [];
  for (const symbol of strategy.symbols) {
    const series = new CandleSeries(symbol, strategy.interval);
    series.reset(strategy.indicators, (await read({ read: 'warmUp', symbol, count: warmUp })) as ClosedCandle[]);
    /** Periods (open times) with a tick, since the last close: a period's ticks all come before its close. */
    const tickedPeriods = new Set<number>();
    // A range that starts inside a period: live evaluation's candle of it already held its ticks, unevaluated here.
    for (const tick of (await read({ read: 'periodSoFar', symbol })) as StoredTick[]) {
      tickedPeriods.add(candleOpenTime(strategy.interval, tick.time).getTime());
      series.tick(tick.time, Number(tick.price));
    }
    const candles = new SeriesReader((page) => read({ read: 'candles', symbol, page }) as Promise<ClosedCandle[]>, (candle) => candle.openTime);
    const ticks = new SeriesReader((page) => (onTicks ? (read({ read: 'ticks', symbol, page }) as Promise<StoredTick[]>) : Promise.resolve([])), (tick) => tick.time);
    const dayBefore = (await read({ read: 'dayBefore', symbol })) as ClosedCandle[];
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
      if (stopped()) throw new Error(REPLAY_STOPPED);
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
        if (series.close(candle) !== 'ended') continue;
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
  return backtestOf(strategy.trigger === TriggerMode.ONCE ? triggers.slice(0, 1) : triggers);
}

/** The backtest that gives these triggers (oldest first). */
export function backtestOf(triggers: BacktestTrigger[]): Backtest {
  return { triggers, summary: { count: triggers.length, firstAt: triggers[0]?.time ?? null, lastAt: triggers.at(-1)?.time ?? null } };
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
