import { createHash } from 'node:crypto';
import { databaseClient } from '../database/connect-timeout';
import { dropDatabase, quoteIdentifier } from '../database/database-url';
import { Logger } from '../logging/logger';

/**
 * The databases a restore works in beside a store's own: `staging` receives
 * the backup while the store's database stays as it is, and `replaced` holds
 * that database for a moment once the staging one has taken its name. Both are
 * named after the store's database (a hash of it: any name fits PostgreSQL's
 * 63 bytes), so a restore finds and drops what an interrupted one left.
 */
export interface RestoreDatabases {
  staging: string;
  replaced: string;
}

export function restoreDatabasesFor(database: string): RestoreDatabases {
  const tag = createHash('sha256').update(database).digest('hex').slice(0, 16);
  return { staging: `herck_restoring_${tag}`, replaced: `herck_replaced_${tag}` };
}

/** What an interrupted restore may have left for these databases: dropped. */
export async function dropRestoreLeftovers(serverUrl: string, databases: string[]): Promise<void> {
  for (const database of databases) {
    const { staging, replaced } = restoreDatabasesFor(database);
    await dropDatabase(serverUrl, staging);
    await dropDatabase(serverUrl, replaced);
  }
}

/**
 * Puts every loaded staging database in the place of its store's database, in
 * one transaction on the server (PostgreSQL renames databases transactionally):
 * all of them take their places, or none does. A database someone connected to
 * since the restore began cannot be renamed, which undoes every rename. Then
 * the replaced databases are dropped; one that cannot be is only reported: the
 * restore stands.
 */
export async function swapInRestored(serverUrl: string, databases: string[], logger: Logger): Promise<void> {
  const client = databaseClient({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    for (const database of databases) {
      const { staging, replaced } = restoreDatabasesFor(database);
      const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (existing.rowCount) await client.query(`ALTER DATABASE ${quoteIdentifier(database)} RENAME TO ${quoteIdentifier(replaced)}`);
      await client.query(`ALTER DATABASE ${quoteIdentifier(staging)} RENAME TO ${quoteIdentifier(database)}`);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new Error(`nothing was restored: the restored databases could not take their places (${(error as Error).message}); every database is as it was. Stop the platform and restore again.`, { cause: error });
  } finally {
    await client.end();
  }
  for (const database of databases) {
    const { replaced } = restoreDatabasesFor(database);
    await dropDatabase(serverUrl, replaced).catch((error: unknown) =>
      logger.warn('the database a restore replaced could not be dropped; drop it yourself', { database: replaced, replacedFor: database, error }),
    );
  }
}
