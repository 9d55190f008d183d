import { EntityManager } from '@mikro-orm/postgresql';

/** Rows deleted per statement, so no lock is held long. */
const BATCH = 10_000;

/** Rows of another table that go with a deleted row: those whose `column` holds its `id`. */
export interface DependentRows {
  table: string;
  column: string;
}

/**
 * Deletes the rows of `table` whose `column` is before `cutoff`, a batch per
 * statement; returns how many. `dependents` (rows referring to a deleted row's
 * `id` without a foreign key) go in the same statement as the rows they name.
 * Table and column names are the caller's own, never input.
 */
export async function deleteOlderThan(em: EntityManager, table: string, column: string, cutoff: Date, dependents: DependentRows[] = []): Promise<number> {
  const alsoGone = dependents.map((dependent, index) => `, dependent${index} AS (DELETE FROM ${dependent.table} WHERE ${dependent.column} IN (SELECT id FROM gone))`).join('');
  let deleted = 0;
  for (;;) {
    const [row] = await em.execute<{ n: number }[]>(
      `WITH gone AS (DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE ${column} < ? LIMIT ${BATCH}) RETURNING ${dependents.length ? 'id' : '1'})${alsoGone} SELECT count(*)::int AS n FROM gone`,
      [cutoff],
    );
    deleted += row!.n;
    if (row!.n < BATCH) return deleted;
  }
}
