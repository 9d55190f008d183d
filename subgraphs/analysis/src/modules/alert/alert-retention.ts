import { EntityManager } from '@mikro-orm/postgresql';
import { deleteOlderThan } from '@herck/common';

/**
 * Deletes the alerts raised before `cutoff` (ANALYSIS_ALERT_RETENTION_DAYS, at housekeeping), and with
 * them their in-app notices and the records of their mail and webhook deliveries, in the same statement:
 * those reference their alert without a foreign key (they go with their strategy), and an alert id in
 * one still names a stored alert. Returns how many alerts. A delivery still retrying then is long past its
 * last try (the retention is longer than DELIVERY_RETRY_HOURS).
 */
export function deleteAlertsOlderThan(em: EntityManager, cutoff: Date): Promise<number> {
  return deleteOlderThan(em, 'alerts', 'triggered_at', cutoff, [
    { table: 'notifications', column: 'alert_id' },
    { table: 'deliveries', column: 'alert_id' },
  ]);
}
