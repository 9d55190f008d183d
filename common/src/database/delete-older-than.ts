import { EntityManager } from '@mikro-orm/postgresql';

/** Rows deleted per statement, so no lock is held long. */
const BATCH = 10_000;

/**
 * Deletes the rows of `table` whose `column` is before `cutoff`, a batch per
 * statement; returns how many. `table` and `column` are the caller's own
 * names, never input.
 */
export async function deleteOlderThan(em: EntityManager, table: string, column: string, cutoff: Date): Promise<number> {
  let deleted = 0;
  for (;;) {
    const [row] = await em.execute<{ n: number }[]>(
      `WITH gone AS (DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE ${column} < ? LIMIT ${BATCH}) RETURNING 1) SELECT count(*)::int AS n FROM gone`,
      [cutoff],
    );
    deleted += row!.n;
    if (row!.n < BATCH) return deleted;
  }
}
