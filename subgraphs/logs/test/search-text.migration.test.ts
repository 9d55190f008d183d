import { randomUUID } from 'node:crypto';
import { AbstractSqlDriver } from '@mikro-orm/knex';
import { PostgresLogStore } from '../src';
import { LOG_SEARCH_VECTOR as PREVIOUS_SEARCH_VECTOR } from '../src/migrations/Migration20261202000800_logs_search_vector';
import { Migration20261207000900_logs_search_text } from '../src/migrations/Migration20261207000900_logs_search_text';
import { useLogsStore } from './support/logs-store';

/**
 * An installation whose entries were indexed by PostgreSQL's word parser (hosts and paths kept
 * whole) gives them their words on upgrade, so the words inside those are found in them too.
 */
const logs = useLogsStore();

it('gives the entries stored before it the words of their message and fields, split as logs splits them', async () => {
  const { orm } = logs;
  const em = orm.em.fork();
  // The table as the installation had it, and an entry stored then.
  await em.execute('DROP INDEX log_entries_search_idx');
  await em.execute('ALTER TABLE log_entries DROP COLUMN search_text');
  await em.execute(`CREATE INDEX log_entries_search_idx ON log_entries USING gin (${PREVIOUS_SEARCH_VECTOR})`);
  await em.execute(
    `INSERT INTO log_entries (id, time, service, level, message, request_id, fields, bytes)
     VALUES (?, now(), 'market', 'warn', 'fetch https://api.CoinGecko.com/api/v3 failed: it''s [down]', NULL, ?, 90)`,
    [randomUUID(), JSON.stringify({ file: '/var/lib/herck/data.json', attempt: 3, nested: { to: 'bob@example.com' } })],
  );

  // What the upgrade runs on that installation.
  const migration = new Migration20261207000900_logs_search_text(orm.em.getDriver() as unknown as AbstractSqlDriver, orm.config);
  migration.up();
  for (const query of migration.getQueries()) await em.execute(String(query));

  const [row] = await em.execute<{ search_text: string }[]>('SELECT search_text FROM log_entries');
  // The fields in the order PostgreSQL keeps a JSON object's keys (shorter first).
  expect(row!.search_text).toBe('fetch https api coingecko com api v3 failed it s down file var lib herck data json nested to bob example com attempt 3');
  const store = new PostgresLogStore(orm);
  for (const text of ['coingecko', 'api.coingecko.com', 'data.json', 'bob attempt']) expect([text, await store.search({ text }, 10)]).toEqual([text, [expect.objectContaining({ service: 'market' })]]);
});
