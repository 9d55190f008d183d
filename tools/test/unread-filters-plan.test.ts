import { randomBytes } from 'node:crypto';
import { databaseUrl, dropDatabase, ensureDatabase, Logger, openOrm, Orm, subgraphStoreSchema } from '@herck/common';
import { SUBGRAPH_STORES } from '../src/herck-stores';
import { explainAnalyze, pagesRead, planNodes } from './support/query-plans';

const serverUrl = process.env.DATABASE_URL!;
const database = `test_unread_${randomBytes(4).toString('hex')}`;
const HEAVY = 'a0000000-0000-0000-0000-000000000001';
const ROWS = 200_000;
let orm: Orm;

/**
 * `alerts(unacknowledgedOnly: true)` and `notifications(unreadOnly: true)` are what a client polls for.
 * With only the owner's full index, PostgreSQL read the owner's whole history to find the few pending
 * rows, or scanned the whole table (41 ms over 500,000 alerts, growing with the table): the pending rows
 * need an index of their own. The statements are the resolvers' (alert.resolver.ts, notification.resolver.ts).
 */
beforeAll(async () => {
  await ensureDatabase(serverUrl, database);
  orm = await openOrm({ url: databaseUrl(serverUrl, database), ...subgraphStoreSchema(SUBGRAPH_STORES.analysis), logger: new Logger('test', 'error'), poolSize: 2 });
  const sql = orm.em.getConnection();
  // One heavy owner with a third of the rows, nearly all handled; the rest spread over many owners.
  const owner = `CASE WHEN n % 3 = 0 THEN '${HEAVY}'::uuid ELSE md5('owner' || (n % 5000))::uuid END`;
  await sql.execute(
    `INSERT INTO strategies (id, owner_id, name, symbols, interval, indicators, condition, trigger, cooldown_seconds, notify_in_app, notify_email, created_at, updated_at)
     SELECT md5('strategy' || n)::uuid, md5('owner' || n)::uuid, 'S', ARRAY['BTC'], 'M1', '[]', 'price > 1', 'ON_CROSS', 0, true, false, now(), now() FROM generate_series(0, 4999) n`,
  );
  await sql.execute(
    `INSERT INTO alerts (id, strategy_id, owner_id, symbol, triggered_at, price, values, message, acknowledged)
     SELECT md5('alert' || n)::uuid, md5('strategy' || (n % 5000))::uuid, ${owner}, 'BTC', now() - n * interval '1 second', 1, '{}', 'm', n % 20000 <> 3
       FROM generate_series(1, ${ROWS}) n`,
  );
  await sql.execute(
    `INSERT INTO notifications (id, owner_id, alert_id, message, created_at, read_at)
     SELECT md5('notification' || n)::uuid, ${owner}, NULL, 'm', now() - n * interval '1 second', CASE WHEN n % 20000 = 3 THEN NULL ELSE now() END
       FROM generate_series(1, ${ROWS}) n`,
  );
  await sql.execute('ANALYZE alerts; ANALYZE notifications');
}, 60_000);

afterAll(async () => {
  await orm?.close();
  await dropDatabase(serverUrl, database);
});

it.each([
  ['alerts', 'SELECT * FROM alerts WHERE owner_id = ? AND NOT acknowledged ORDER BY triggered_at DESC, id DESC LIMIT ?'],
  ['notifications', 'SELECT * FROM notifications WHERE owner_id = ? AND read_at IS NULL ORDER BY created_at DESC, id DESC LIMIT ?'],
])("%s still pending: an index of the pending rows, a few pages read, not the owner's whole history", async (table, statement) => {
  const root = await explainAnalyze(orm, statement, [HEAVY, 21]);
  const scans = planNodes(root).filter((node) => node['Relation Name'] === table);
  expect(scans.map((node) => node['Node Type'])).not.toContain('Seq Scan');
  // The owner has about 66,000 rows (hundreds of pages); the pending ones fit in a handful.
  expect(pagesRead(root)).toBeLessThan(50);
});
