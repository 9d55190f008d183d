import { randomBytes } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { databaseUrl, dropDatabase, ensureDatabase, Logger } from '../src';
import { queryingClient } from '../src/database/connect-timeout';
import { dropRestoreLeftovers, restoreDatabasesFor, swapInRestored } from '../src/backup/database-swap';

/** A restore whose connection to PostgreSQL is lost: the query waiting fails, nothing else, and a commit whose answer was lost is found to have taken. */
const serverUrl = process.env.DATABASE_URL!;
const prefix = `test_lost_${randomBytes(4).toString('hex')}`;
const logger = new Logger('test', 'error');
const target = `${prefix}_target`;

/** A TCP proxy to PostgreSQL that forwards everything, except that it never answers the first COMMIT a client sends: it drops that connection instead. */
async function commitSwallowingProxy(): Promise<{ url: string; swallowed: () => boolean; close(): void }> {
  const server = new URL(serverUrl);
  let swallowed = false;
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    const upstream = net.connect(Number(server.port || 5432), server.hostname);
    sockets.add(client).add(upstream);
    let commitSent = false;
    client.on('data', (chunk) => {
      // A simple query message: 'Q', its length, the text and a NUL.
      if (!swallowed && chunk.includes('COMMIT\0')) commitSent = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (commitSent && !swallowed) {
        swallowed = true;
        client.destroy();
        return;
      }
      client.write(chunk);
    });
    for (const socket of [client, upstream]) {
      socket.on('error', () => undefined);
      socket.on('close', () => (socket === client ? upstream : client).destroy());
    }
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const url = new URL(serverUrl);
  url.host = `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
  return {
    url: url.toString(),
    swallowed: () => swallowed,
    close: () => {
      for (const socket of sockets) socket.destroy();
      proxy.close();
    },
  };
}

const marker = async (database: string): Promise<string | undefined> => {
  const client = new pg.Client({ connectionString: databaseUrl(serverUrl, database) });
  await client.connect();
  try {
    const { rows } = await client.query<{ note: string }>('SELECT note FROM marker');
    return rows[0]?.note;
  } finally {
    await client.end();
  }
};

const withMarker = async (database: string, note: string) => {
  await ensureDatabase(serverUrl, database);
  const client = new pg.Client({ connectionString: databaseUrl(serverUrl, database) });
  await client.connect();
  try {
    await client.query('CREATE TABLE marker (note text)');
    await client.query('INSERT INTO marker VALUES ($1)', [note]);
  } finally {
    await client.end();
  }
};

afterAll(async () => {
  await dropDatabase(serverUrl, target);
  await dropRestoreLeftovers(serverUrl, [target]);
});

describe('a restore that loses its connection', () => {
  it('fails the query that was waiting, and only that: the process goes on to clean up and say so', async () => {
    const client = queryingClient({ connectionString: serverUrl });
    await client.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const waiting = expect(client.query('SELECT pg_sleep(30)')).rejects.toThrow(/terminating connection/);
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    } finally {
      await admin.end();
    }
    // Unheard, pg's 'error' event on the client would have ended this process here.
    await waiting;
    await client.end().catch(() => undefined);
  });

  it('finds that a swap whose commit got no answer took place, and drops the databases it replaced', async () => {
    const { staging, replaced } = restoreDatabasesFor(target);
    await withMarker(target, 'before the restore');
    await withMarker(staging, 'from the backup');
    const proxy = await commitSwallowingProxy();
    try {
      await swapInRestored(proxy.url, [target], logger);
      expect(proxy.swallowed()).toBe(true);
    } finally {
      proxy.close();
    }
    expect(await marker(target)).toBe('from the backup');
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      const { rows } = await admin.query('SELECT datname FROM pg_database WHERE datname = ANY($1)', [[staging, replaced]]);
      expect(rows).toEqual([]);
    } finally {
      await admin.end();
    }
  });
});
