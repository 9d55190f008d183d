import { EntityManager } from '@mikro-orm/postgresql';
import { Logger } from '@herck/common';

const BATCH = 10_000;

/** What a round leaves besides candles, by the column holding its time; a round that did not happen leaves its gap. */
const ROUND_TABLES = [
  ['ticks', 'time'],
  ['fx_rates', 'time'],
  ['global_metrics', 'time'],
  ['ingestion_gaps', 'round_time'],
] as const;

/**
 * Deletes raw ticks, and the rounds' FX rates, global figures and gaps, older than
 * the retention, a small batch per statement so no lock is held long; candles stay.
 */
export async function deleteOldTicks(em: EntityManager, retentionDays: number, logger: Logger, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  let deleted = 0;
  for (const [table, column] of ROUND_TABLES) {
    for (;;) {
      const rows = await em.execute<{ n: number }[]>(
        `WITH gone AS (DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE ${column} < ? LIMIT ${BATCH}) RETURNING 1) SELECT count(*)::int AS n FROM gone`,
        [cutoff],
      );
      deleted += rows[0]!.n;
      if (rows[0]!.n < BATCH) break;
    }
  }
  if (deleted) logger.info('old ticks, rates and round figures deleted', { rows: deleted, before: cutoff });
  return deleted;
}
