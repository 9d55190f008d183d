import { EntityManager } from '@mikro-orm/postgresql';
import { CandleInterval, INTERVAL_MS, MarketCandleEvent } from '@herck/common';
import { ClosedCandle, isRecentClose } from './closed-candle';

interface CandleRow {
  symbol: string;
  interval: CandleInterval;
  open_time: Date;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  change24h: string | null;
  revision: number | null;
}

/** Analysis's own copy of the closed candles market announces: for warming indicators up and for backtests. */
export class CandleStore {
  /**
   * Keeps a closed candle; a redelivered or corrected one replaces the row (true when it was new).
   * An older announcement of a stored candle (a lower revision: it reached the bus after a newer one)
   * changes nothing; one without a revision (made before market counted them) is older than any with.
   * A candle that closed just now (one live evaluation reads) keeps the 24-hour change of the
   * latest tick, the figure evaluation reads at its close; an old one (imported, replayed) none.
   * Answers the 24-hour change the stored close keeps (null when none, or when the store kept a newer close).
   */
  static async save(em: EntityManager, candle: MarketCandleEvent, now = Date.now()): Promise<{ change24h: number | null }> {
    const revision = Number.isSafeInteger(candle.revision) ? candle.revision : null;
    const rows = await em.execute<{ change24h: string | null }[]>(
      `INSERT INTO candles (symbol, interval, open_time, open, high, low, close, volume, revision, change24h)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, CASE WHEN ? THEN (SELECT change24h FROM latest_prices WHERE symbol = ?) END)
       ON CONFLICT (symbol, interval, open_time) DO UPDATE
         SET open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close, volume = excluded.volume,
             revision = excluded.revision, change24h = COALESCE(candles.change24h, excluded.change24h)
       WHERE COALESCE(candles.revision <= excluded.revision, candles.revision IS NULL)
       RETURNING change24h::text`,
      [candle.symbol, candle.interval, new Date(candle.openTime), candle.open, candle.high, candle.low, candle.close, candle.volume, revision, isRecentClose(Date.parse(candle.openTime) + INTERVAL_MS[candle.interval], candle.interval, now), candle.symbol],
    );
    const change24h = rows[0]?.change24h;
    return { change24h: change24h === null || change24h === undefined ? null : Number(change24h) };
  }

  /** The last `count` closed candles of a series (before `before`, when given), oldest first. */
  static async latest(em: EntityManager, symbol: string, interval: CandleInterval, count: number, before?: Date): Promise<ClosedCandle[]> {
    if (count <= 0) return [];
    const rows = await em.execute<CandleRow[]>(
      `SELECT * FROM (SELECT * FROM candles WHERE symbol = ? AND interval = ? ${before ? 'AND open_time < ?' : ''} ORDER BY open_time DESC LIMIT ?) recent ORDER BY open_time`,
      before ? [symbol, interval, before, count] : [symbol, interval, count],
    );
    return rows.map(toClosedCandle);
  }

  /** The closed candles of a series with `from <= open_time < to`, oldest first: at most `limit`, those after `after` when given. */
  static async between(em: EntityManager, symbol: string, interval: CandleInterval, from: Date, to: Date, page?: { after: Date | null; limit: number }): Promise<ClosedCandle[]> {
    const rows = await em.execute<CandleRow[]>(
      `SELECT * FROM candles WHERE symbol = ? AND interval = ? AND open_time >= ? AND open_time < ? ${page?.after ? 'AND open_time > ?' : ''} ORDER BY open_time ${page ? 'LIMIT ?' : ''}`,
      [symbol, interval, from, to, ...(page?.after ? [page.after] : []), ...(page ? [page.limit] : [])],
    );
    return rows.map(toClosedCandle);
  }
}

function toClosedCandle(row: CandleRow): ClosedCandle {
  return {
    symbol: row.symbol,
    interval: row.interval,
    openTime: new Date(row.open_time),
    open: Number(row.open),
    high: Number(row.high),
    low: Number(row.low),
    close: Number(row.close),
    volume: Number(row.volume),
    exactClose: row.close,
    change24h: row.change24h === null ? null : Number(row.change24h),
    // A live series loaded from the store takes only a newer close of a period it holds.
    ...(row.revision === null ? {} : { revision: row.revision }),
  };
}
