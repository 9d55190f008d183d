import { EntityManager } from '@mikro-orm/postgresql';
import { CandleInterval, candleOpenTime } from '@herck/common';
import { CandleStore } from '../candle/candle-store';
import { TickStore } from '../candle/tick-store';
import { CANDLE_PAGE_SQL, TICK_PAGE_SQL } from './series-pages';
import { SeriesRead, SeriesRequest } from './series-request';

const DAY_MS = 86_400_000;
/** The earliest time PostgreSQL and the DateTime scalar both take (a day before it is year 0). */
const EARLIEST_MS = Date.parse('0001-01-01T00:00:00Z');

/**
 * The stored series a backtest of `interval` candles over [from, to) reads, answered from the store
 * as rows. A `from` inside a period starts where live evaluation stood then: the candles closed
 * before that period, the period's ticks so far, then its close and everything after.
 */
export function storedSeries(em: EntityManager, interval: CandleInterval, from: Date, to: Date): SeriesRead {
  const periodStart = candleOpenTime(interval, from);
  return async (request) => {
    switch (request.read) {
      case 'warmUp':
        return CandleStore.latest(em, request.symbol, interval, request.count, periodStart);
      case 'dayBefore':
        // The range's first day compares with closes from the day before it (none before the year 1).
        return CandleStore.between(em, request.symbol, interval, new Date(Math.max(periodStart.getTime() - DAY_MS, EARLIEST_MS)), periodStart);
      case 'periodSoFar':
        return TickStore.between(em, request.symbol, periodStart, from);
      case 'candles':
        return CandleStore.between(em, request.symbol, interval, periodStart, to, request.page);
      case 'ticks':
        return TickStore.between(em, request.symbol, from, to, request.page);
    }
  };
}

/**
 * The same for a replay on a backtest thread: the range's pages of candles and ticks as JSON text
 * (series-pages.ts), which the thread turns into rows; the warm-up and the day before as rows.
 */
export function storedPages(em: EntityManager, interval: CandleInterval, from: Date, to: Date): (request: SeriesRequest) => Promise<unknown[] | string> {
  const rows = storedSeries(em, interval, from, to);
  return async (request) => {
    if (request.read !== 'candles' && request.read !== 'ticks') return rows(request);
    const { symbol, page } = request;
    const after = page.after ? [page.after] : [];
    const [row] =
      request.read === 'ticks'
        ? await em.execute<{ page: string }[]>(
            `${TICK_PAGE_SQL} FROM (SELECT * FROM ticks WHERE symbol = ? AND time >= ? AND time < ? ${after.length ? 'AND time > ?' : ''} ORDER BY time LIMIT ?) page`,
            [symbol, from, to, ...after, page.limit],
          )
        : await em.execute<{ page: string }[]>(
            `${CANDLE_PAGE_SQL} FROM (SELECT * FROM candles WHERE symbol = ? AND interval = ? AND open_time >= ? AND open_time < ? ${after.length ? 'AND open_time > ?' : ''} ORDER BY open_time LIMIT ?) page`,
            [symbol, interval, candleOpenTime(interval, from), to, ...after, page.limit],
          );
    return row!.page;
  };
}
