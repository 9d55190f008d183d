import { EntityManager } from '@mikro-orm/postgresql';
import { arrayParameter, BadUserInputError, CandleInterval, readsUntilAborted } from '@herck/common';
import { TickStore } from '../candle/tick-store';
import { compileCondition } from '../condition/condition-compiler';
import { StrategyDefinition } from '../evaluation/strategy-definition';
import { TriggerMode } from '../strategy/trigger-mode';
import { Backtest } from './backtest.type';
import { replayBacktest } from './backtest-replay';
import { storedSeries } from './stored-series';

/** Candles replayed at most per backtest (all symbols together): a year of M1 candles for one symbol is 525,600. */
export const MAX_BACKTEST_CANDLES = 600_000;

/**
 * Ticks replayed at most per backtest (all symbols together): the 30 days analysis keeps by default
 * (ANALYSIS_TICK_RETENTION_DAYS) of a round every 5 s for two symbols, 1,036,800, with a day's slack for
 * housekeeping. At a million, a user's two-symbol ON_CROSS strategy over the last 90 days was refused
 * on any installation that had run a month.
 */
export const MAX_BACKTEST_TICKS = 1_100_000;

/**
 * Replays a strategy over analysis's stored candles and ticks (see replayBacktest), here, on the
 * calling thread; the API's backtests go through a Backtester, which replays on a thread of its own.
 */
export async function runBacktest(em: EntityManager, strategy: StrategyDefinition, from: Date, to: Date): Promise<Backtest> {
  await checkBacktest(em, strategy, from, to);
  return replayBacktest(strategy, storedSeries(em, strategy.interval, from, to));
}

/**
 * Refuses, with BAD_USER_INPUT, a backtest whose condition does not compile or whose range holds
 * more than MAX_BACKTEST_CANDLES candles or (for a strategy evaluating on ticks) MAX_BACKTEST_TICKS ticks;
 * resolves with the backtest's work, its share of the larger of those bounds (at most 1: see BacktestWork).
 * When `signal` aborts (the client went away), the check's statement under way is cancelled and
 * the check rejects with the signal's reason: a count of a long range, or one waiting for a lock,
 * held a pool connection until it ended, for nobody.
 */
export async function checkBacktest(em: EntityManager, strategy: StrategyDefinition, from: Date, to: Date, signal?: AbortSignal): Promise<number> {
  const compiled = compileCondition(strategy.condition, strategy.indicators);
  if (!compiled.ok) throw new BadUserInputError('The strategy’s condition does not compile', 'id');
  return readsUntilAborted(em, signal, (em) => checkStoredRange(em, strategy, from, to));
}

/** Refuses a range holding too many candles or ticks to replay (see checkBacktest); its work otherwise. */
async function checkStoredRange(em: EntityManager, strategy: StrategyDefinition, from: Date, to: Date): Promise<number> {
  // The bound is on the candles actually replayed: ANALYST and ADMIN reach all history, so a range
  // from long before the first stored candle (or past the last) must not count candles that are not
  // there — estimated from the requested range alone, `from: 1970` was refused for any strategy.
  const candles = await storedCandleCount(em, strategy.symbols, strategy.interval, from, to, MAX_BACKTEST_CANDLES);
  if (candles > MAX_BACKTEST_CANDLES) {
    throw new BadUserInputError(`That range holds more than ${MAX_BACKTEST_CANDLES} candles; choose a shorter one`, 'to');
  }
  const onTicks = strategy.trigger !== TriggerMode.ON_CLOSE;
  const ticks = onTicks ? await TickStore.count(em, strategy.symbols, from, to, MAX_BACKTEST_TICKS) : 0;
  if (ticks > MAX_BACKTEST_TICKS) {
    throw new BadUserInputError(`That range holds more than ${MAX_BACKTEST_TICKS} ticks; choose a shorter one`, 'to');
  }
  return Math.max(candles / MAX_BACKTEST_CANDLES, ticks / MAX_BACKTEST_TICKS);
}

/**
 * How many candles the stored series hold in [from, to), all symbols together, counted up to one past
 * `limit` (a count that passes it is refused anyway): an index-only scan of at most that many keys.
 * Counted, not worked out from the first and last candle's times: a series with a gap (history
 * imported long ago, a market stopped for a year) holds far fewer candles than the minutes between
 * its ends, and ANALYST and ADMIN reach all history, so such a span refused a backtest of a few candles.
 */
async function storedCandleCount(em: EntityManager, symbols: string[], interval: CandleInterval, from: Date, to: Date, limit: number): Promise<number> {
  const [row] = await em.execute<{ n: number }[]>(
    'SELECT count(*)::int AS n FROM (SELECT 1 FROM candles WHERE symbol = ANY(?::text[]) AND interval = ? AND open_time >= ? AND open_time < ? LIMIT ?) AS stored',
    [arrayParameter(symbols), interval, from, to, limit + 1],
  );
  return row?.n ?? 0;
}
