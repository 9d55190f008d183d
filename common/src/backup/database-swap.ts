import { createHash } from 'node:crypto';
import { queryingClient } from '../database/connect-timeout';
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
 * What a failed restore was loading: dropped. Never the replaced databases: a swap whose commit went
 * through unbeknown to the restore (its answer lost) left the installation's former data there.
 */
export async function dropStagingDatabases(serverUrl: string, databases: string[]): Promise<void> {
  for (const database of databases) await dropDatabase(serverUrl, restoreDatabasesFor(database).staging);
}

/**
 * Puts every loaded staging database in the place of its store's database, in
 * one transaction on the server (PostgreSQL renames databases transactionally):
 * all of them take their places, or none does. A database someone connected to
 * since the restore began cannot be renamed, which undoes every rename. Should
 * the answer to the commit be lost, the server is asked whether it took. Then
 * the replaced databases are dropped; one that cannot be is only reported: the
 * restore stands.
 */
export async function swapInRestored(serverUrl: string, databases: string[], logger: Logger): Promise<void> {
  const client = queryingClient({ connectionString: serverUrl });
  await client.connect();
  try {
    try {
      await client.query('BEGIN');
      for (const database of databases) {
        const { staging, replaced } = restoreDatabasesFor(database);
        const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
        if (existing.rowCount) await client.query(`ALTER DATABASE ${quoteIdentifier(database)} RENAME TO ${quoteIdentifier(replaced)}`);
        await client.query(`ALTER DATABASE ${quoteIdentifier(staging)} RENAME TO ${quoteIdentifier(database)}`);
      }
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw notSwapped(error);
    }
    await client.query('COMMIT').catch(async (error: unknown) => {
      if (!(await swapCommitted(serverUrl, databases, error))) throw notSwapped(error);
    });
  } finally {
    await client.end().catch(() => undefined);
  }
  for (const database of databases) {
    const { replaced } = restoreDatabasesFor(database);
    await dropDatabase(serverUrl, replaced).catch((error: unknown) =>
      logger.warn('the database a restore replaced could not be dropped; drop it yourself', { database: replaced, replacedFor: database, error }),
    );
  }
}

/** Whether a swap whose commit got no answer took place: its staging databases are gone only if it did. */
async function swapCommitted(serverUrl: string, databases: string[], commitError: unknown): Promise<boolean> {
  const stagings = databases.map((database) => restoreDatabasesFor(database).staging);
  const client = queryingClient({ connectionString: serverUrl });
  try {
    await client.connect();
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = ANY($1)', [stagings]);
    return rowCount === 0;
  } catch (error) {
    throw new Error(
      `the restore does not know whether the restored databases took their places: the answer to its commit was lost (${(commitError as Error).message}), and so was the server (${(error as Error).message}). ` +
        `If databases named ${stagings.join(', ')} remain on the server, nothing was restored; otherwise the backup is in place.`,
      { cause: error },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

function notSwapped(error: unknown): Error {
  // 55006 object_in_use: someone is connected to one of the databases (the platform was started).
  const hint = (error as { code?: string }).code === '55006' ? ' Stop the platform and restore again.' : '';
  return new Error(`nothing was restored: the restored databases could not take their places (${(error as Error).message}); every database is as it was.${hint}`, { cause: error });
}
