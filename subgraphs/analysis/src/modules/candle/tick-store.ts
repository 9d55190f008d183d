import { EntityManager } from '@mikro-orm/postgresql';
import { arrayParameter, deleteOlderThan } from '@herck/common';

/** A tick as live evaluation read it: its price exactly as market announced it, and the 24 h change (null: none given). */
export interface StoredTick {
  symbol: string;
  time: Date;
  price: string;
  change24h: string | null;
}

/**
 * Analysis's own copy of the ticks market announces, as evaluation read them:
 * a backtest of a strategy that evaluates on every tick replays them. Kept for
 * a retention period; older periods are replayed from their candles alone.
 */
export class TickStore {
  /** Keeps a round's usable prices (a redelivered round changes nothing). */
  static async saveRound(em: EntityManager, time: Date, prices: { symbol: string; price: string; change24h?: string | null }[]): Promise<void> {
    await em.execute(
      `INSERT INTO ticks (symbol, time, price, change24h) SELECT p->>'symbol', ?, (p->>'price')::numeric, (p->>'change24h')::numeric FROM jsonb_array_elements(?::jsonb) p
       ON CONFLICT (symbol, time) DO NOTHING`,
      [time, JSON.stringify(prices)],
    );
  }

  /** The ticks of `symbol` with `from <= time < to`, oldest first: at most `limit`, those after `after` when given. */
  static async between(em: EntityManager, symbol: string, from: Date, to: Date, page?: { after: Date | null; limit: number }): Promise<StoredTick[]> {
    const rows = await em.execute<{ symbol: string; time: Date; price: string; change24h: string | null }[]>(
      `SELECT symbol, time, price::text AS price, change24h::text AS change24h FROM ticks WHERE symbol = ? AND time >= ? AND time < ?
       ${page?.after ? 'AND time > ?' : ''} ORDER BY time ${page ? 'LIMIT ?' : ''}`,
      [symbol, from, to, ...(page?.after ? [page.after] : []), ...(page ? [page.limit] : [])],
    );
    return rows.map((row) => ({ ...row, time: new Date(row.time) }));
  }

  /**
   * How many ticks of these symbols lie in `from <= time < to`; with `limit`, counted up to one past it
   * (a caller that refuses beyond it need not scan millions of rows to say so).
   */
  static async count(em: EntityManager, symbols: string[], from: Date, to: Date, limit?: number): Promise<number> {
    const [row] = await em.execute<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM ticks WHERE symbol = ANY(?::text[]) AND time >= ? AND time < ? ${limit === undefined ? '' : 'LIMIT ?'}) AS stored`,
      [arrayParameter(symbols), from, to, ...(limit === undefined ? [] : [limit + 1])],
    );
    return row?.n ?? 0;
  }

  /** Deletes the ticks older than `cutoff`, a batch per statement; returns how many. */
  static deleteOlderThan(em: EntityManager, cutoff: Date): Promise<number> {
    return deleteOlderThan(em, 'ticks', 'time', cutoff);
  }
}
