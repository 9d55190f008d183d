import { EntityManager } from '@mikro-orm/postgresql';
import { deleteOlderThan, Logger } from '@herck/common';

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
  for (const [table, column] of ROUND_TABLES) deleted += await deleteOlderThan(em, table, column, cutoff);
  if (deleted) logger.info('old ticks, rates and round figures deleted', { rows: deleted, before: cutoff });
  return deleted;
}
