import { EntityManager } from '@mikro-orm/postgresql';

/** Alerts deleted per statement, so no lock is held long. */
const BATCH = 10_000;

/**
 * Deletes the alerts raised before `cutoff` (ANALYSIS_ALERT_RETENTION_DAYS, at housekeeping), and with
 * them their in-app notices and the records of their mail and webhook deliveries, in the same statement:
 * those reference their alert without a foreign key (they go with their strategy), and an alert id in
 * one still names a stored alert. Returns how many alerts. A delivery still retrying then is long past its
 * last try (the retention is longer than DELIVERY_RETRY_HOURS).
 */
export async function deleteAlertsOlderThan(em: EntityManager, cutoff: Date): Promise<number> {
  let deleted = 0;
  for (;;) {
    const [row] = await em.execute<{ n: number }[]>(
      `WITH gone AS (DELETE FROM alerts WHERE ctid IN (SELECT ctid FROM alerts WHERE triggered_at < ? LIMIT ${BATCH}) RETURNING id),
            notices AS (DELETE FROM notifications WHERE alert_id IN (SELECT id FROM gone)),
            sends AS (DELETE FROM deliveries WHERE alert_id IN (SELECT id FROM gone))
       SELECT count(*)::int AS n FROM gone`,
      [cutoff],
    );
    deleted += row!.n;
    if (row!.n < BATCH) return deleted;
  }
}
