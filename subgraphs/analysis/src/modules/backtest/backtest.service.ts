import { EntityManager } from '@mikro-orm/postgresql';
import Decimal from 'decimal.js';
import { BadUserInputError, CandleInterval, INTERVAL_MS } from '@herck/common';
import { CandleStore } from '../candle/candle-store';
import { compileCondition } from '../condition/condition-compiler';
import { CandleSeries } from '../evaluation/candle-series';
import { evaluateCondition, plainValues, prepareStrategy } from '../evaluation/evaluate-condition';
import { StrategyDefinition } from '../evaluation/strategy-definition';
import { decide, INITIAL_STATE } from '../evaluation/trigger-policy';
import { TriggerMode } from '../strategy/trigger-mode';
import { warmUpCandles } from '../indicator/live-indicator';
import { Backtest, BacktestTrigger } from './backtest.type';

/** Candles replayed at most per backtest (all symbols together): a year of M1 candles for one symbol is 525,600. */
export const MAX_BACKTEST_CANDLES = 600_000;
const DAY_MS = 86_400_000;
/** The earliest time PostgreSQL and the DateTime scalar both take (a day before it is year 0). */
const EARLIEST_MS = Date.parse('0001-01-01T00:00:00Z');

/**
 * Replays a strategy over analysis's stored candles with the code live
 * evaluation runs: the same series, condition and trigger decision, one
 * evaluation per candle at its close. `change24h` is the figure live
 * evaluation read at that close (the provider's, kept with the candle), or,
 * for a candle analysis did not see close (imported, from before), the change
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
  const prepared = prepareStrategy(strategy, compiled.condition);
  const warmUp = Math.max(0, ...strategy.indicators.map(warmUpCandles));
  const triggers: BacktestTrigger[] = [];
  for (const symbol of strategy.symbols) {
    const series = new CandleSeries(symbol, strategy.interval);
    series.reset(strategy.indicators, await CandleStore.latest(em, symbol, strategy.interval, warmUp, from));
    const candles = await CandleStore.between(em, symbol, strategy.interval, from, to);
    // The range's first day compares with closes from the day before it (none before the year 1).
    const dayBefore = await CandleStore.between(em, symbol, strategy.interval, new Date(Math.max(from.getTime() - DAY_MS, EARLIEST_MS)), from);
    const closes = new Map([...dayBefore, ...candles].map((candle) => [candle.openTime.getTime(), candle.close]));
    let state = INITIAL_STATE;
    for (const candle of candles) {
      if (!series.close(candle)) continue;
      const at = candle.openTime.getTime() + length;
      const closeDayBefore = closes.get(candle.openTime.getTime() - DAY_MS);
      const change24h = candle.change24h ?? (closeDayBefore ? ((candle.close - closeDayBefore) / closeDayBefore) * 100 : Number.NaN);
      const evaluation = evaluateCondition(prepared, series, { price: candle.close, change24h });
      if (evaluation.kind !== 'result') continue;
      const decision = decide(strategy.trigger, state, evaluation.holds, at, strategy.cooldownSeconds);
      state = decision.state;
      if (!decision.fire) continue;
      triggers.push({ time: new Date(at), symbol, price: new Decimal(candle.exactClose ?? candle.close), values: plainValues(evaluation.variables) });
      if (strategy.trigger === TriggerMode.ONCE) break;
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
