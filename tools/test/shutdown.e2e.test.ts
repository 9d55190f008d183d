import net from 'node:net';
import pg from 'pg';
import { LoginDocument } from './support/operations.generated';
import { codes, send } from './support/graphql-client';
import { startTestPlatform } from './support/platform';
import { eventually, signUp } from './support/users';

/** True once nothing accepts connections on the URL's port. */
function refusesConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('stopping a subgraph', () => {
  it('finishes the requests in flight, then refuses new ones', async () => {
    const platform = await startTestPlatform();
    const connect = async () => {
      const client = new pg.Client({ connectionString: platform.auth.runtime.config.databaseUrl });
      await client.connect();
      return client;
    };
    const [holder, monitor] = [await connect(), await connect()];
    try {
      // Four accounts: one name's sign-ins from one client are checked one after the other.
      const users = await Promise.all(Array.from({ length: 4 }, () => signUp(platform)));
      const login = (user: (typeof users)[number]) => send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: user.password });
      // A login ends by locking its account's credentials: holding those rows keeps these logins
      // inside auth, however slow the machine, until auth has stopped listening.
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM credentials WHERE account_id = ANY($1::uuid[]) FOR UPDATE', [users.map((user) => user.accountId)]);
      const inFlight = users.map(login);
      await eventually(async () => {
        const { rows } = await monitor.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%credentials%'");
        return rows[0].n >= inFlight.length;
      });
      const stopped = platform.auth.stop();
      await eventually(() => refusesConnections(platform.auth.url));
      await holder.query('COMMIT');
      await stopped;
      for (const response of await Promise.all(inFlight)) expect(response.data?.login.accessToken).toEqual(expect.any(String));

      // Auth gone: the gateway says so, and that a client may try again.
      expect(codes(await login(users[0]!))).toEqual(['SERVICE_UNAVAILABLE']);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await Promise.all([holder.end(), monitor.end()]);
      await platform.stop();
    }
  });
});

describe('stopping the gateway', () => {
  it('finishes a request in flight that takes longer than ten seconds (Apollo\'s default grace), instead of cutting its connection', async () => {
    const platform = await startTestPlatform();
    const holder = new pg.Client({ connectionString: platform.auth.runtime.config.databaseUrl });
    await holder.connect();
    try {
      const user = await signUp(platform);
      // The login waits in auth on its account's credentials, held here for twelve seconds after the gateway is told to stop.
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM credentials WHERE account_id = $1 FOR UPDATE', [user.accountId]);
      const inFlight = send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: user.password });
      await eventually(async () => {
        const { rows } = await holder.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
        return rows[0].n >= 1;
      });
      const stopped = platform.gateway.stop();
      await eventually(() => refusesConnections(platform.gatewayUrl));
      await new Promise((resolve) => setTimeout(resolve, 12_000));
      await holder.query('COMMIT');
      expect((await inFlight).data?.login.accessToken).toEqual(expect.any(String));
      await stopped;
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
      await platform.stop();
    }
  }, 90_000);
});
