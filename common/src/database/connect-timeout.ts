import pg from 'pg';

/**
 * How long a new PostgreSQL connection may take to be ready (TCP, TLS, start-up, sign-in). pg waits
 * for ever by default: a server that takes the connection but never answers (one stuck starting, a
 * proxy whose backend is gone, a network that drops packets) held the waiting work until the process
 * stopped. knex's cancel of an abandoned read (see readsUntilAborted) held the read's own pool
 * connection with it, and a pool slot waited on a connection that never came.
 */
export const DATABASE_CONNECT_TIMEOUT_MS = 10_000;

/** A pg client that gives up connecting after DATABASE_CONNECT_TIMEOUT_MS, unless `config` says otherwise. */
export function databaseClient(config: pg.ClientConfig): pg.Client {
  return new pg.Client({ connectionTimeoutMillis: DATABASE_CONNECT_TIMEOUT_MS, ...config });
}

/**
 * A databaseClient for a run of awaited queries (a backup, a restore, making or dropping a database): a
 * lost connection fails the query waiting on it, and that is all. pg also emits it as the client's
 * 'error' event, which, with no listener, ended the whole process (a scheduled backup, `npm start` with
 * it) before the caller could clean up or say what had happened.
 */
export function queryingClient(config: pg.ClientConfig): pg.Client {
  const client = databaseClient(config);
  client.on('error', () => undefined);
  return client;
}

/** A pg pool whose new connections give up after DATABASE_CONNECT_TIMEOUT_MS (and so does a wait for one), unless `config` says otherwise. */
export function databasePool(config: pg.PoolConfig): pg.Pool {
  return new pg.Pool({ connectionTimeoutMillis: DATABASE_CONNECT_TIMEOUT_MS, ...config });
}
