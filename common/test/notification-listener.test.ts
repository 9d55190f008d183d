import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { databaseUrl, dropDatabase, ensureDatabase, Logger, NotificationListener, until } from '../src';

const serverUrl = process.env.DATABASE_URL!;
const name = `test_listen_${randomBytes(4).toString('hex')}`;
const url = databaseUrl(serverUrl, name);
const CHANNEL = 'test_channel';
let admin: pg.Client;

beforeAll(async () => {
  await ensureDatabase(serverUrl, name);
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
});
afterAll(async () => {
  await admin.end();
  await dropDatabase(serverUrl, name);
});

const listeningBackends = async () =>
  (await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN ${CHANNEL}'`)).rows.map((row) => row.pid);

describe('NotificationListener', () => {
  it('listens again after its connection is dropped, and says so, so no announcement after that is missed', async () => {
    const received: string[] = [];
    let reconnected = 0;
    const lines: { level: string; msg: string }[] = [];
    const listener = new NotificationListener({
      name: 'test listener',
      databaseUrl: url,
      channels: [CHANNEL],
      onNotification: (channel, payload) => received.push(`${channel}:${payload}`),
      onReconnected: async () => void (reconnected += 1),
      logger: new Logger('test', 'info', {}, (line) => lines.push(JSON.parse(line))),
    });
    await listener.start();
    try {
      await admin.query(`SELECT pg_notify('${CHANNEL}', 'before')`);
      await until(() => received.includes(`${CHANNEL}:before`));

      // PostgreSQL drops the connection (a restart, a failover, an administrator).
      const [first] = await listeningBackends();
      await admin.query('SELECT pg_terminate_backend($1)', [first]);
      await until(async () => reconnected === 1 && (await listeningBackends()).length === 1, 15_000);
      expect(await listeningBackends()).not.toContain(first);
      expect(lines.map((line) => [line.level, line.msg])).toEqual([
        ['warn', 'test listener connection lost; reconnecting'],
        ['info', 'test listener reconnected'],
      ]);

      await admin.query(`SELECT pg_notify('${CHANNEL}', 'after')`);
      await until(() => received.includes(`${CHANNEL}:after`));
    } finally {
      await listener.stop();
    }
    // Stopped: its connection is gone and stays gone.
    await until(async () => (await listeningBackends()).length === 0);
  });
});
