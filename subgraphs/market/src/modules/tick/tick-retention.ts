import { EntityManager } from '@mikro-orm/postgresql';
import { Logger } from '@herck/common';

const BATCH = 10_000;

/** Deletes raw ticks older than the retention, a small batch per statement so no lock is held long; candles stay. */
export async function deleteOldTicks(em: EntityManager, retentionDays: number, logger: Logger, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  let deleted = 0;
  for (;;) {
    const rows = await em.execute<{ symbol: string }[]>(
      `DELETE FROM ticks WHERE ctid IN (SELECT ctid FROM ticks WHERE time < ? LIMIT ${BATCH}) RETURNING symbol`,
      [cutoff],
    );
    deleted += rows.length;
    if (rows.length < BATCH) break;
  }
  if (deleted) logger.info('old ticks deleted', { ticks: deleted, before: cutoff });
  return deleted;
}
