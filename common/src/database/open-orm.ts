import { MigrationObject } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { EntityClass, MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Logger } from '../logging/logger';
import { databaseClient, DATABASE_CONNECT_TIMEOUT_MS } from './connect-timeout';
import { FailedBeginSubscriber } from './failed-begin.subscriber';

export type Orm = MikroORM;

export interface OpenOrmOptions {
  url: string;
  entities: EntityClass<object>[];
  migrations: MigrationObject[];
  logger: Logger;
  poolSize?: number;
  /** How long a new connection may take to be ready (DATABASE_CONNECT_TIMEOUT_MS unless a test says). */
  connectTimeoutMs?: number;
}

/** Connects to the service's own database and applies its committed migrations. */
export async function openOrm({ url, entities, migrations, logger, poolSize = 10, connectTimeoutMs = DATABASE_CONNECT_TIMEOUT_MS }: OpenOrmOptions): Promise<Orm> {
  const orm = await MikroORM.init({
    driver: PostgreSqlDriver,
    clientUrl: url,
    entities,
    extensions: [Migrator],
    migrations: { migrationsList: migrations, transactional: true, allOrNothing: true, snapshot: false, silent: true },
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    allowGlobalContext: false,
    pool: { min: 0, max: poolSize },
    subscribers: [new FailedBeginSubscriber()],
    // At LOG_LEVEL=debug every SQL statement is logged.
    debug: logger.enabled('debug') ? ['query'] : false,
    colors: false,
    logger: (message) => logger.debug(message),
    // knex's own warnings ("Connection Error: …" when the database goes away) as JSON log lines, not plain text on stdout.
    driverOptions: {
      // Every connection knex opens: the pool's, and the one its cancel of an abandoned read asks on.
      connection: { connectionTimeoutMillis: connectTimeoutMs },
      log: {
        warn: (message: unknown) => logger.warn('database driver warning', { message: String(message) }),
        error: (message: unknown) => logger.error('database driver error', { message: String(message) }),
        deprecate: (method: unknown, alternative: unknown) => logger.warn('database driver deprecation', { method: String(method), alternative: String(alternative) }),
        debug: (message: unknown) => logger.debug('database driver', { message: String(message) }),
      },
    },
  });
  await migrate(orm, url, logger, connectTimeoutMs);
  return orm;
}

/** Replicas starting together must not apply the same migration twice: a database-wide lock serialises them. */
async function migrate(orm: Orm, url: string, logger: Logger, connectTimeoutMs: number): Promise<void> {
  const lock = databaseClient({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  await lock.connect();
  try {
    await lock.query("SELECT pg_advisory_lock(hashtext('herck:migrations'))");
    const applied = await orm.getMigrator().up();
    if (applied.length) logger.info('migrations applied', { migrations: applied.map((m) => m.name) });
  } finally {
    await lock.end();
  }
}
