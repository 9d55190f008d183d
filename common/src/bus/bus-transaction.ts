import pg from 'pg';

/** Runs `work` in one transaction on the bus database, holding the named advisory lock until commit. */
export async function inBusTransaction<T>(bus: pg.Pool, lockName: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await bus.connect();
  // pg-pool takes its own 'error' listener off a client while it is lent out: without one here, the
  // connection lost mid-transaction (a restart, a failover, pg_terminate_backend) is an uncaught 'error'
  // event that ends the process. The statement in flight fails with it all the same.
  let lost: Error | undefined;
  const noteLoss = (error: Error) => void (lost = error);
  client.on('error', noteLoss);
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockName]);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // On a connection that is gone the ROLLBACK fails too; the transaction's own error is the one to report.
    await client.query('ROLLBACK').catch((rollbackFailure: Error) => void (lost ??= rollbackFailure));
    throw error;
  } finally {
    client.removeListener('error', noteLoss);
    // A broken connection is ended, not lent out again.
    client.release(lost);
  }
}
