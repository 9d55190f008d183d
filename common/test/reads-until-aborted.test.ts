import { randomBytes } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { databaseUrl, dropDatabase, ensureDatabase, isStoreUnavailable, Logger, MAX_CANCELS_AT_ONCE, openOrm, Orm, OutboxMessage, readsUntilAborted, until } from '../src';

const serverUrl = process.env.DATABASE_URL!;
const name = `test_reads_${randomBytes(4).toString('hex')}`;
let orm: Orm;
let lock: pg.Client;
let watch: pg.Client;

/** knex's cancelQuery (pg_cancel_backend on a connection of its own), watched: how many run at once, each let go by `release` if held. */
interface WatchedCancels {
  calls: number;
  mostAtOnce: number;
  hold: boolean;
  release(): void;
  restore(): void;
}

function watchCancels(): WatchedCancels {
  const client = orm.em.getConnection().getKnex().client as { cancelQuery(connection: unknown): Promise<unknown> };
  const original = client.cancelQuery;
  let running = 0;
  let released: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (released = resolve));
  const watched: WatchedCancels = {
    calls: 0,
    mostAtOnce: 0,
    hold: false,
    release: () => released(),
    restore: () => void (client.cancelQuery = original),
  };
  client.cancelQuery = async function (this: unknown, connection: unknown) {
    watched.calls++;
    watched.mostAtOnce = Math.max(watched.mostAtOnce, ++running);
    try {
      // Long enough for every cancel asked at once to be under way together.
      await (watched.hold ? gate : new Promise((resolve) => setTimeout(resolve, 50)));
      return await original.call(this, connection);
    } finally {
      running--;
    }
  };
  return watched;
}

async function readsWaitingOnTheLock(): Promise<number> {
  // Asked outside the lock's transaction, which would see the activity as at its first look.
  const { rows } = await watch.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query LIKE 'SELECT count(*) FROM locked%'`,
  );
  return rows[0]!.n;
}

/** `count` reads, each on its own transaction, waiting on the locked table, each with its client's AbortController. */
async function waitingReads(count: number): Promise<{ leaving: AbortController[]; outcomes: Promise<unknown>[] }> {
  const leaving = Array.from({ length: count }, () => new AbortController());
  const outcomes = leaving.map((client) => readsUntilAborted(orm.em.fork(), client.signal, (em) => em.execute('SELECT count(*) FROM locked')).catch((error: unknown) => error));
  await until(async () => (await readsWaitingOnTheLock()) === count, 10_000);
  return { leaving, outcomes };
}

beforeAll(async () => {
  await ensureDatabase(serverUrl, name);
  orm = await openOrm({ url: databaseUrl(serverUrl, name), entities: [OutboxMessage], migrations: [], logger: new Logger('test', 'error'), poolSize: 10 });
  await orm.em.fork().execute('CREATE TABLE IF NOT EXISTS locked (n int)');
  lock = new pg.Client({ connectionString: databaseUrl(serverUrl, name) });
  await lock.connect();
  watch = new pg.Client({ connectionString: databaseUrl(serverUrl, name) });
  await watch.connect();
});
afterAll(async () => {
  await lock?.end();
  await watch?.end();
  await orm?.close();
  await dropDatabase(serverUrl, name);
});

describe('readsUntilAborted', () => {
  let cancels: WatchedCancels | undefined;
  afterEach(async () => {
    cancels?.release();
    cancels?.restore();
    await lock.query('ROLLBACK');
  });

  it('opens a few cancelling connections at once however many clients leave together, and still frees every read', async () => {
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE locked IN ACCESS EXCLUSIVE MODE');
    const { leaving, outcomes } = await waitingReads(8);
    cancels = watchCancels();
    for (const client of leaving) client.abort(new Error('the client left'));
    // Every read ends with its client's leaving while the lock is still held: each statement was cancelled.
    expect((await Promise.all(outcomes)).map(String)).toEqual(Array(8).fill('Error: the client left'));
    expect(await readsWaitingOnTheLock()).toBe(0);
    expect(cancels.calls).toBe(8);
    expect(cancels.mostAtOnce).toBe(MAX_CANCELS_AT_ONCE);
  });

  it('never cancels after its transaction has ended: one still waiting for its turn then is dropped', async () => {
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE locked IN ACCESS EXCLUSIVE MODE');
    const { leaving, outcomes } = await waitingReads(MAX_CANCELS_AT_ONCE);
    cancels = watchCancels();
    cancels.hold = true;
    for (const client of leaving) client.abort(new Error('the client left'));
    await until(async () => cancels!.calls === MAX_CANCELS_AT_ONCE, 5_000);
    // A read whose client leaves as it ends, every cancel's turn taken: its connection goes back to the pool uncancelled.
    const last = new AbortController();
    const read = readsUntilAborted(orm.em.fork(), last.signal, async (em) => {
      const [row] = await em.execute<{ one: number }[]>('SELECT 1 AS one');
      last.abort(new Error('the client left'));
      return row!.one;
    });
    expect(await Promise.race([read, new Promise((resolve) => setTimeout(() => resolve('still waiting for a cancel'), 10_000))])).toBe(1);
    cancels.release();
    expect((await Promise.all(outcomes)).map(String)).toEqual(Array(MAX_CANCELS_AT_ONCE).fill('Error: the client left'));
    expect(cancels.calls).toBe(MAX_CANCELS_AT_ONCE);
  });
});

/**
 * PostgreSQL through a proxy of the test's: connections pass through while `stalling` is false; made
 * while it is true, they are taken and never answered (a server stuck starting, a proxy whose backend
 * is gone).
 */
async function stallingProxy(target: URL): Promise<{ url: string; stalling: boolean; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const proxy = {
    url: '',
    stalling: false,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('error', () => undefined);
    if (proxy.stalling) return;
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  proxy.url = url.toString();
  return proxy;
}

describe('a connection that is never answered', () => {
  // Short, so the tests are quick; long enough for a real connection's start-up on a loaded machine.
  const CONNECT_TIMEOUT_MS = 2_000;

  it("fails knex's cancel at the connect timeout, and the read it was for still ends once its statement does", async () => {
    const proxy = await stallingProxy(new URL(databaseUrl(serverUrl, name)));
    const proxied = await openOrm({ url: proxy.url, entities: [OutboxMessage], migrations: [], logger: new Logger('test', 'error'), poolSize: 2, connectTimeoutMs: CONNECT_TIMEOUT_MS });
    const knex = proxied.em.getConnection().getKnex().client as { cancelQuery(connection: unknown): Promise<unknown> };
    const cancelQuery = knex.cancelQuery;
    let cancelOutcome: string | undefined;
    knex.cancelQuery = function (this: unknown, connection: unknown) {
      return cancelQuery.call(this, connection).then(
        (value) => ((cancelOutcome = 'done'), value),
        (error: unknown) => {
          cancelOutcome = String(error);
          throw error;
        },
      );
    };
    try {
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE locked IN ACCESS EXCLUSIVE MODE');
      const leaving = new AbortController();
      const outcome = readsUntilAborted(proxied.em.fork(), leaving.signal, (em) => em.execute('SELECT count(*) FROM locked')).catch((error: unknown) => error);
      await until(async () => (await readsWaitingOnTheLock()) === 1, 10_000);
      // The read's connection is open; the cancel's, asked for now, is taken and never answered.
      proxy.stalling = true;
      leaving.abort(new Error('the client left'));
      await until(async () => cancelOutcome !== undefined, 10_000);
      expect(cancelOutcome).toMatch(/timeout/i);
      // The statement not cancelled ends by itself, and so does the read: its connection goes back to the pool.
      await lock.query('ROLLBACK');
      const settled = await Promise.race([outcome, new Promise((resolve) => setTimeout(() => resolve('still waiting for its cancel'), 10_000))]);
      expect(settled).not.toBe('still waiting for its cancel');
      expect(await proxied.em.fork().execute('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await lock.query('ROLLBACK');
      await proxied.close(true);
      await proxy.close();
    }
  });

  it('fails opening the store at the connect timeout, not waiting for ever', async () => {
    const proxy = await stallingProxy(new URL(databaseUrl(serverUrl, name)));
    proxy.stalling = true;
    try {
      const opened = openOrm({ url: proxy.url, entities: [OutboxMessage], migrations: [], logger: new Logger('test', 'error'), connectTimeoutMs: CONNECT_TIMEOUT_MS }).then(
        async (store) => {
          await store.close(true);
          return 'opened';
        },
        (error: unknown) => error,
      );
      const settled = await Promise.race([opened, new Promise((resolve) => setTimeout(() => resolve('still waiting for a connection'), 10_000))]);
      expect(String(settled)).toMatch(/timeout/i);
      // An outage to wait out (SERVICE_UNAVAILABLE to a client), not an internal error.
      expect(isStoreUnavailable(settled)).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('is an outage to wait out, as is a pool with no connection to lend in time', async () => {
    const proxy = await stallingProxy(new URL(databaseUrl(serverUrl, name)));
    proxy.stalling = true;
    const unanswered = new pg.Pool({ connectionString: proxy.url, max: 1, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    const busy = new pg.Pool({ connectionString: databaseUrl(serverUrl, name), max: 1, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    const held = await busy.connect();
    try {
      const failures = await Promise.all([unanswered.query('SELECT 1'), busy.query('SELECT 1')].map((query) => query.then(() => 'answered', (error: unknown) => error)));
      expect(failures.map(String)).toEqual([expect.stringMatching(/timeout/i), expect.stringMatching(/timeout exceeded when trying to connect/)]);
      expect(failures.map(isStoreUnavailable)).toEqual([true, true]);
    } finally {
      held.release();
      await Promise.all([unanswered.end(), busy.end()]);
      await proxy.close();
    }
  });
});
