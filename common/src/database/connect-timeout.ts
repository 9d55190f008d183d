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

/** A pg pool whose new connections give up after DATABASE_CONNECT_TIMEOUT_MS (and so does a wait for one), unless `config` says otherwise. */
export function databasePool(config: pg.PoolConfig): pg.Pool {
  return new pg.Pool({ connectionTimeoutMillis: DATABASE_CONNECT_TIMEOUT_MS, ...config });
}
