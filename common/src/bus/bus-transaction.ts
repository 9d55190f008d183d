import pg from 'pg';

/** Runs `work` in one transaction on the bus database, holding the named advisory lock until commit. */
export async function inBusTransaction<T>(bus: pg.Pool, lockName: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await bus.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockName]);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}
