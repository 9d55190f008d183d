import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { databaseUrl, dropDatabase, ensureBusSchema, ensureDatabase, Environment, Logger, openSubgraphStore, quoteIdentifier, SubgraphConfig, SubgraphName } from '@herck/common';
import { SUBGRAPH_STORES } from '../../src/herck-stores';

/**
 * Every platform a test starts needs seven fresh databases, and migrating them took most of its
 * start (2.0 s of the service's CPU, against 0.9 s from migrated copies, PostgreSQL's own work on
 * top), about sixty times a run. The run migrates one set once (global setup); each platform
 * then gets copies of it (CREATE DATABASE … TEMPLATE), whose migrations are found applied.
 */

/** Every database a platform has: each subgraph's, and the bus. */
const DATABASES = [...Object.keys(SUBGRAPH_STORES), 'bus'] as (SubgraphName | 'bus')[];

/** Names the run's templates (its own: runs sharing a server do not touch each other's); read by copyTemplateDatabases. */
const TEMPLATES_VARIABLE = 'HERCK_TEST_TEMPLATE_PREFIX';

const templateOf = (prefix: string, database: SubgraphName | 'bus') => `${prefix}_${database}`;

/** Migrates the run's template databases on the server (global setup); the variable that names them goes to every worker. */
export async function createTemplateDatabases(serverUrl: string): Promise<void> {
  const prefix = `herck_template_${randomBytes(4).toString('hex')}`;
  const logger = new Logger('test-templates', 'error');
  for (const [name, store] of Object.entries(SUBGRAPH_STORES) as [SubgraphName, (typeof SUBGRAPH_STORES)[SubgraphName]][]) {
    const databaseName = templateOf(prefix, name);
    const orm = await openSubgraphStore({ serverUrl, databaseName, databaseUrl: databaseUrl(serverUrl, databaseName) } as SubgraphConfig, logger, store);
    await orm.close(true);
  }
  const bus = templateOf(prefix, 'bus');
  await ensureDatabase(serverUrl, bus);
  const pool = new pg.Pool({ connectionString: databaseUrl(serverUrl, bus), max: 1 });
  try {
    await ensureBusSchema(pool);
  } finally {
    await pool.end();
  }
  process.env[TEMPLATES_VARIABLE] = prefix;
}

/** Drops the run's templates (global teardown, for a server that outlives the run). */
export async function dropTemplateDatabases(serverUrl: string): Promise<void> {
  const prefix = process.env[TEMPLATES_VARIABLE];
  if (!prefix) return;
  for (const database of DATABASES) await dropDatabase(serverUrl, templateOf(prefix, database));
}

/**
 * The platform's databases (as `env` names them) as copies of the run's migrated templates. One
 * that exists already (a replica's, a second platform's on the same store) is left as it is, and
 * without templates (a test run without the global setup) the services migrate their own.
 */
export async function copyTemplateDatabases(env: Environment): Promise<void> {
  const prefix = process.env[TEMPLATES_VARIABLE];
  const serverUrl = env.DATABASE_URL;
  if (!prefix || !serverUrl) return;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    for (const database of DATABASES) {
      const name = env[`${database.toUpperCase()}_DATABASE_NAME`];
      if (!name) continue;
      await client.query(`CREATE DATABASE ${quoteIdentifier(name)} TEMPLATE ${quoteIdentifier(templateOf(prefix, database))}`).catch((error: { code?: string }) => {
        // 42P04 duplicate_database: it exists already.
        if (error.code !== '42P04') throw error;
      });
    }
  } finally {
    await client.end();
  }
}
