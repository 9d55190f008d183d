import { Logger, Orm } from '@herck/common';
import { migrations } from './migrations';
import { PgLogArchive, PgLogEntry, PgLogUsage } from './modules/store/postgres/log-entry.entity';
import { PostgresLogStore } from './modules/store/postgres/postgres-log-store';
import { LogStore } from './modules/store/log-store';

/** What the logs subgraph keeps in its PostgreSQL database (entries too, unless they live in MongoDB). */
export const logsStore = { entities: [PgLogEntry, PgLogUsage, PgLogArchive], migrations };

/** The entries' store: MongoDB when a URL is given, else the subgraph's own PostgreSQL database. */
export async function openLogStore(mongoUrl: string | undefined, orm: Orm, logger: Logger): Promise<LogStore> {
  if (!mongoUrl) return new PostgresLogStore(orm);
  // Loaded only here: MongoDB's driver and MikroORM's driver for it are large, and most installations never use them.
  // (require: a relative import() would need a file extension Jest cannot resolve to the TypeScript source.)
  const { MongoLogStore } = require('./modules/store/mongo/mongo-log-store') as typeof import('./modules/store/mongo/mongo-log-store');
  const store = await MongoLogStore.open(mongoUrl);
  logger.info('log entries stored in MongoDB');
  return store;
}
