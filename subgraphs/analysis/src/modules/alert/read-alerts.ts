import { EntityManager } from '@mikro-orm/postgresql';
import { Strategy } from '../strategy/strategy.entity';
import { Alert, AlertRow, toAlert } from './alert.type';

/**
 * Alerts (`sql` selects their rows), newest first, with the strategies that raised them, read by one
 * statement: one round trip, and one snapshot. An alert goes with its strategy; read one after the
 * other, a deletion committed between the two reads left a listed alert without its strategy, and
 * `Alert.strategy` (non-null) failed the whole answer with INTERNAL_SERVER_ERROR. (A transaction
 * around the two reads gave one snapshot too, at four round trips: BEGIN, both reads, COMMIT.)
 */
export async function readAlerts(em: EntityManager, sql: string, params: unknown[]): Promise<Alert[]> {
  // The outer ORDER BY: a subquery's order is not the outer query's unless it says so (a few rows, a page at most).
  const rows = await em.execute<(AlertRow & { strategy: Record<string, unknown> })[]>(
    `SELECT picked.*, (SELECT to_jsonb(strategies) FROM strategies WHERE strategies.id = picked.strategy_id) AS strategy
       FROM (${sql}) picked ORDER BY picked.triggered_at DESC, picked.id DESC`,
    params,
  );
  // An alert goes with its strategy (the foreign key cascades): in one snapshot, each has its own.
  return rows.map(({ strategy, ...row }) => toAlert(row, em.map(Strategy, strategy)));
}
