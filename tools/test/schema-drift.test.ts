import { randomBytes } from 'node:crypto';
import { databaseUrl, dropDatabase, ensureDatabase, Logger, openOrm, Orm, SubgraphName, subgraphStoreSchema } from '@herck/common';
import { SchemaGenerator } from '@mikro-orm/postgresql';
import { SUBGRAPH_STORES } from '../src/herck-stores';

const serverUrl = process.env.DATABASE_URL!;
const prefix = `test_drift_${randomBytes(4).toString('hex')}`;
const logger = new Logger('test', 'error');
const subgraphs = Object.keys(SUBGRAPH_STORES) as SubgraphName[];

afterAll(async () => {
  for (const name of subgraphs) await dropDatabase(serverUrl, `${prefix}_${name}`);
});

/**
 * Deleting a referenced row (a strategy, and with it its alerts) makes PostgreSQL find the referencing
 * rows once per deleted row: without an index leading with the referencing columns, that is a scan of
 * the whole referencing table each time, under the delete's locks.
 */
async function foreignKeysWithoutIndex(orm: Orm): Promise<string[]> {
  const rows = await orm.em.getConnection().execute<{ name: string }[]>(
    `SELECT c.conrelid::regclass || '.' || c.conname AS name
       FROM pg_constraint c
      WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
        AND NOT EXISTS (
          SELECT 1 FROM pg_index i
           WHERE i.indrelid = c.conrelid AND i.indpred IS NULL
             AND (SELECT array_agg(k ORDER BY k) FROM unnest((i.indkey::int2[])[0:cardinality(c.conkey) - 1]) k) = (SELECT array_agg(k ORDER BY k) FROM unnest(c.conkey) k))
      ORDER BY 1`,
  );
  return rows.map((row) => row.name);
}

/**
 * The entities describe what the code reads and writes; the migrations build what users' databases hold.
 * A column, type, default, index or constraint in one and not the other is drift: the schema generator's
 * update SQL for a freshly migrated database is then not empty. Tables a subgraph writes with SQL of its
 * own (no entity) have nothing to drift from and are left out.
 */
describe('every subgraph store, migrated from nothing', () => {
  it.each(subgraphs)('%s: matches its entities exactly, and every foreign key has an index', async (name) => {
    const database = `${prefix}_${name}`;
    await ensureDatabase(serverUrl, database);
    const orm = await openOrm({ url: databaseUrl(serverUrl, database), ...subgraphStoreSchema(SUBGRAPH_STORES[name]), logger, poolSize: 2 });
    try {
      const mapped = new Set(Object.values(orm.getMetadata().getAll()).map((meta) => meta.tableName));
      const tables = await orm.em.getConnection().execute<{ tablename: string }[]>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
      orm.config.set('schemaGenerator', { ...orm.config.get('schemaGenerator'), skipTables: tables.map((t) => t.tablename).filter((t) => !mapped.has(t)) });
      // A generator of its own: the ORM's reads its settings once, when made.
      const sql = await new SchemaGenerator(orm.em).getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: false });
      expect(sql.trim()).toBe('');
      expect(await foreignKeysWithoutIndex(orm)).toEqual([]);
    } finally {
      await orm.close();
    }
  });
});
