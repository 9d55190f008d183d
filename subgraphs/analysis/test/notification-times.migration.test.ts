import { randomUUID } from 'node:crypto';
import { AbstractSqlDriver } from '@mikro-orm/knex';
import { Migration20261202000100_notification_times } from '../src/migrations/Migration20261202000100_notification_times';
import { useAnalysisStore } from './support/analysis-store';

/**
 * An installation older than millisecond notification times stored them to the microsecond, and
 * showed them to the millisecond below (a JavaScript Date drops the rest). Its upgrade keeps the
 * time each notification showed: rounding to the nearest put half of them a millisecond later.
 */
const store = useAnalysisStore();

it('keeps the millisecond each stored notification showed before the upgrade', async () => {
  const em = store.orm.em.fork();
  // The column as the installation had it, holding a time past the middle of its millisecond.
  await em.execute('ALTER TABLE notifications ALTER COLUMN created_at TYPE timestamptz');
  const id = randomUUID();
  await em.execute("INSERT INTO notifications (id, owner_id, message, created_at) VALUES (?, ?, 'Old notice', '2026-12-01T10:00:00.040600Z')", [id, randomUUID()]);

  // What the upgrade runs on that installation.
  const migration = new Migration20261202000100_notification_times(store.orm.em.getDriver() as unknown as AbstractSqlDriver, store.orm.config);
  migration.up();
  for (const query of migration.getQueries()) await em.execute(String(query));

  const [after] = await em.execute<{ stored: string }[]>(
    `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS stored FROM notifications WHERE id = ?`,
    [id],
  );
  expect(after.stored).toBe('2026-12-01T10:00:00.040000');
});
