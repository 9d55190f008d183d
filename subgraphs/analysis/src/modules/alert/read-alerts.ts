import { IsolationLevel } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Strategy } from '../strategy/strategy.entity';
import { Alert, AlertRow, toAlert } from './alert.type';

/**
 * Alerts (`sql` selects their rows) with the strategies that raised them, read in one snapshot.
 * An alert goes with its strategy; read one after the other, a deletion committed between the two
 * reads left a listed alert without its strategy, and `Alert.strategy` (non-null) failed the whole
 * answer with INTERNAL_SERVER_ERROR. In one snapshot the answer is the one from before the deletion.
 */
export async function readAlerts(em: EntityManager, sql: string, params: unknown[]): Promise<Alert[]> {
  return em.transactional(
    async (tx) => {
      const rows = await tx.execute<AlertRow[]>(sql, params);
      const ids = [...new Set(rows.map((row) => row.strategy_id))];
      const strategies = ids.length ? await tx.find(Strategy, { id: { $in: ids } }) : [];
      const byId = new Map(strategies.map((strategy) => [strategy.id, strategy]));
      // An alert goes with its strategy (the foreign key cascades): in one snapshot, each has its own.
      return rows.map((row) => toAlert(row, byId.get(row.strategy_id)!));
    },
    { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true },
  );
}
