import pg from 'pg';

/**
 * Runs `work` while holding `name`, a lock every service of the platform shares: a session
 * advisory lock in the bus database, the one database they all reach. On a connection of its
 * own, so callers waiting for it hold none of the bus pool's connections (the holder's relaying
 * and catching up need them). Ending the session releases the lock, also when the connection drops.
 */
export async function withPlatformLock<T>(busUrl: string, name: string, work: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: busUrl });
  // A dropped connection ends the session and so the lock; the work goes on and reports its own failures.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
    return await work();
  } finally {
    await client.end().catch(() => undefined);
  }
}
