import { EntityManager } from '@mikro-orm/postgresql';
import { arrayParameter, CANDLE_INTERVALS, CandleInterval, candleOpenTime, INTERVAL_MS } from '@herck/common';
import { CandleRow, toCandle } from '../history/market-rows';
import { closeOrder } from '../ingestion/round-writer';

/**
 * Builds the coarser candles of `symbol` that `interval` candles now cover
 * whole: of each period of a coarser interval that holds an imported candle
 * (`openTimes`), has ended by `now`, and has every `interval` candle of its length in
 * the store (imported or built from ticks), the candle is their open, highest
 * high, lowest low, close and summed volume, imported like them (tickCount 0,
 * closed, unless the rounds still hold it open: then the round that closes it
 * announces it). A period with a candle missing is left as it was: a candle made
 * of part of a period would be wrong.
 * Returns the candles it wrote or changed, to be announced like imported ones.
 */
export async function rollUpImportedCandles(em: EntityManager, symbol: string, interval: CandleInterval, openTimes: Date[], now: Date): Promise<CandleRow[]> {
  // The planner cannot tell a period holds a few candles: JIT compiled each statement for ~100 ms to run it in 1.
  await em.execute('SET LOCAL jit = off');
  const written: CandleRow[] = [];
  for (const coarser of CANDLE_INTERVALS.filter((candidate) => INTERVAL_MS[candidate] > INTERVAL_MS[interval])) {
    const length = INTERVAL_MS[coarser];
    const periods = [...new Set(openTimes.map((time) => candleOpenTime(coarser, time).getTime()))].map((start) => new Date(start));
    // Only periods that have ended by `now`, the rounds' clock: the current one's candle is the rounds' to build.
    const rows = await em.execute<CandleRow[]>(
      `INSERT INTO candles (symbol, interval, open_time, open, high, low, close, volume, tick_count, closed)
       SELECT ?, ?, period.open_time, (array_agg(c.open ORDER BY c.open_time))[1], max(c.high), min(c.low),
              (array_agg(c.close ORDER BY c.open_time DESC))[1], sum(c.volume), 0, true
         FROM unnest(?::timestamptz[]) AS period(open_time)
         JOIN candles c ON c.symbol = ? AND c.interval = ? AND c.open_time >= period.open_time AND c.open_time < period.open_time + ? * interval '1 millisecond'
        WHERE period.open_time + ? * interval '1 millisecond' <= ?
        GROUP BY period.open_time
       HAVING count(*) = ?
       ON CONFLICT (symbol, interval, open_time) DO UPDATE SET
         open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close, volume = EXCLUDED.volume, tick_count = 0,
         revision = candles.revision + 1
       WHERE (candles.open, candles.high, candles.low, candles.close, candles.volume, candles.tick_count)
         IS DISTINCT FROM (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low, EXCLUDED.close, EXCLUDED.volume, 0)
       RETURNING *`,
      [symbol, coarser, arrayParameter(periods), symbol, interval, length, length, now, length / INTERVAL_MS[interval]],
    );
    written.push(...rows);
  }
  // Announced shortest interval first, each in time order: a consumer takes a series' candles in order.
  return written.sort((a, b) => closeOrder(toCandle(a), toCandle(b)));
}
