import { databaseClient } from '../database/connect-timeout';
import { ServiceUnavailableError } from '../errors/app-errors';
import { Logger } from '../logging/logger';

/** How long opening the lock's connection may take. */
const CONNECT_TIMEOUT_MS = 5_000;
/** How long a caller waits for the lock: its holders' work is bounded, so a longer wait means trouble. */
const LOCK_TIMEOUT = '15s';
/** PostgreSQL's lock_not_available: the wait above ran out. */
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Runs `work` while holding `name`, a lock every service of the platform shares: a session
 * advisory lock in the bus database, the one database they all reach. On a connection of its
 * own, so callers waiting for it hold none of the bus pool's connections (the holder's relaying
 * and catching up need them). Ending the session releases the lock. A wait past LOCK_TIMEOUT is
 * SERVICE_UNAVAILABLE; a connection lost while the work runs released the lock early, which
 * nothing can undo: it is logged.
 */
export async function withPlatformLock<T>(busUrl: string, name: string, work: () => Promise<T>, logger: Logger): Promise<T> {
  // Keep-alive, so a connection that died silently is noticed (the server's lock_timeout cannot end a wait on it).
  const client = databaseClient({ connectionString: busUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
  let lost = false;
  client.on('error', () => (lost = true));
  await client.connect();
  try {
    await client.query(`SET lock_timeout = '${LOCK_TIMEOUT}'`);
    try {
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
    } catch (error) {
      if ((error as { code?: unknown }).code === LOCK_NOT_AVAILABLE) throw new ServiceUnavailableError('Another change of this kind is under way; try again shortly');
      throw error;
    }
    return await work();
  } finally {
    if (lost) logger.warn('the platform lock\'s connection was lost: what ran under it may not have been one at a time', { lock: name });
    await client.end().catch(() => undefined);
  }
}
