import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import { backupName, BUS_CHANNEL, Logger, newManifest, repositoryRoot, SUBGRAPHS, writeManifest } from '@herck/common';
import { codes, send } from './support/graphql-client';
import { BackupsDocument, HealthDocument, MarketSnapshotDocument, SystemStatusDocument, SystemStatusQuery } from './support/operations.generated';
import { TestPlatform, startTestPlatform } from './support/platform';
import { adminEnv, eventually, logInAdmin, signUp, SignedUpUser } from './support/users';

const NAMES = SUBGRAPHS.map(({ name }) => name);
const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-status-backups-'));

/** Every line the gateway logs, parsed. */
const gatewayLines: Record<string, unknown>[] = [];
/** The subgraphs' error lines (dead letters are logged at error). */
const errorLines: Record<string, unknown>[] = [];
const capture = (into: Record<string, unknown>[]) => (line: string) => void into.push(JSON.parse(line) as Record<string, unknown>);

let platform: TestPlatform;
let admin: { accessToken: string };
let user: SignedUpUser;

beforeAll(async () => {
  const quiet = (name: string) => new Logger(name, 'error', {}, capture(errorLines));
  platform = await startTestPlatform(
    { ...adminEnv('operator@example.com'), MARKET_INTERVAL_SECONDS: '1', STATUS_PROBE_SECONDS: '1', BUS_MAX_ATTEMPTS: '2', BACKUP_DIR: backupDir },
    {
      market: {},
      analysis: {},
      orders: {},
      logs: {},
      loggers: {
        gateway: new Logger('gateway', 'info', {}, capture(gatewayLines)),
        account: quiet('account'),
        auth: quiet('auth'),
        market: quiet('market'),
        analysis: quiet('analysis'),
        orders: quiet('orders'),
        logs: quiet('logs'),
      },
    },
  );
  admin = await logInAdmin(platform);
  user = await signUp(platform);
});
afterAll(async () => {
  await platform?.stop();
  fs.rmSync(backupDir, { recursive: true, force: true });
});

type Status = SystemStatusQuery['status'];

/** Asks `status` as the admin until `check` holds; returns that answer. */
async function statusWhen(check: (status: Status) => boolean, timeoutMs = 15_000): Promise<Status> {
  let latest: Status | undefined;
  await eventually(async () => {
    const response = await send(platform.gatewayUrl, SystemStatusDocument, {}, admin.accessToken);
    expect(response.errors).toBeUndefined();
    latest = response.data!.status;
    return check(latest);
  }, timeoutMs);
  return latest!;
}

function packageVersion(workspace: string): string {
  return (JSON.parse(fs.readFileSync(path.join(repositoryRoot(), workspace, 'package.json'), 'utf8')) as { version: string }).version;
}

describe('status for everyone', () => {
  it('tells anyone whether the platform is healthy', async () => {
    await eventually(async () => (await send(platform.gatewayUrl, HealthDocument, {})).data?.status.healthy === true);
    const answer = await send(platform.gatewayUrl, HealthDocument, {});
    expect(answer).toMatchObject({ status: 200, data: { status: { healthy: true } } });
    expect(answer.errors).toBeUndefined();
  });

  it('gives the details to admins only: anonymous callers get them null with UNAUTHENTICATED, users with FORBIDDEN', async () => {
    const adminFields = ['checkedAt', 'services', 'bus', 'ingestion', 'subscriptions'];
    const anonymous = await send(platform.gatewayUrl, SystemStatusDocument, {});
    expect(anonymous.data).toEqual({ status: { healthy: true, checkedAt: null, services: null, bus: null, ingestion: null, subscriptions: null } });
    expect(anonymous.errors?.map((error) => [error.path, error.extensions?.code])).toEqual(adminFields.map((field) => [['status', field], 'UNAUTHENTICATED']));

    const signedIn = await send(platform.gatewayUrl, SystemStatusDocument, {}, user.accessToken);
    expect(signedIn.data).toEqual(anonymous.data);
    expect(codes(signedIn)).toEqual(adminFields.map(() => 'FORBIDDEN'));
    expect(signedIn.errors?.map((error) => error.path)).toEqual(adminFields.map((field) => ['status', field]));
  });

  it('answers a flood of requests from the latest probe, without probing the subgraphs for each', async () => {
    const probeLines = () => gatewayLines.filter((line) => line.msg === 'service status').length;
    const before = probeLines();
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 50 }, () => send(platform.gatewayUrl, HealthDocument, {})));
    const elapsedProbes = Math.ceil((Date.now() - started) / 1000) + 1;
    // Each answered from a probe's report (whether every probe was in time on a loaded machine is not the point here).
    expect(answers.map((answer) => [answer.errors, typeof answer.data?.status.healthy])).toEqual(answers.map(() => [undefined, 'boolean']));
    // One line per subgraph per probe, and probes come once a second whatever the traffic.
    expect(probeLines() - before).toBeLessThanOrEqual(elapsedProbes * NAMES.length);
  });
});

describe('status for admins', () => {
  it('lists every subgraph, ready, with its URL, version and latency', async () => {
    const status = await statusWhen((current) => current.healthy);
    expect(new Date(status.checkedAt!).getTime()).toBeGreaterThan(Date.now() - 10_000);
    expect(status.services!.map((service) => service.name).sort()).toEqual([...NAMES].sort());
    for (const service of status.services!) {
      const workspace = SUBGRAPHS.find(({ name }) => name === service.name)!.workspace;
      expect(service).toEqual({
        name: service.name,
        url: (platform as unknown as Record<string, { url: string }>)[service.name]!.url,
        healthy: true,
        ready: true,
        version: packageVersion(workspace),
        latencyMs: expect.any(Number),
        lastError: null,
      });
      expect(service.latencyMs).toBeGreaterThan(0);
    }
  });

  it('shows market’s latest round and the gaps of the last hour', async () => {
    await eventually(async () => Boolean((await send(platform.gatewayUrl, MarketSnapshotDocument, {})).data?.marketSnapshot.time));
    const round = (await send(platform.gatewayUrl, MarketSnapshotDocument, {})).data!.marketSnapshot.time!;
    const status = await statusWhen((current) => Boolean(current.ingestion?.lastRoundAt && current.ingestion.lastRoundAt >= round));
    expect(status.ingestion).toEqual({ lastRoundAt: expect.any(String), gapsLastHour: expect.any(Number) });
    expect(status.ingestion!.gapsLastHour).toBeGreaterThanOrEqual(0);
  });

  it('counts the live endpoint’s connections', async () => {
    const socket = new WebSocket(platform.gatewayUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    try {
      const status = await statusWhen((current) => (current.subscriptions?.connections ?? 0) >= 1);
      expect(status.subscriptions).toEqual({ connections: expect.any(Number), active: 0, droppedEvents: 0 });
    } finally {
      socket.close();
    }
  });

  it('shows each consumer’s bus lag reaching 0, and a poison event in its dead letters while consumption goes on', async () => {
    const consumers = (status: Status) => new Map(status.bus!.map((consumer) => [consumer.consumer, consumer]));
    const first = await statusWhen((current) => consumers(current).get('auth')?.lag === 0);
    expect(consumers(first).get('auth')).toEqual({ consumer: 'auth', lag: 0, deadLetters: 0, recentDeadLetters: [] });
    expect([...consumers(first).keys()]).toEqual(expect.arrayContaining(['auth', 'analysis', 'orders']));

    // An account.changed that auth cannot apply (its id is not a uuid): tried BUS_MAX_ATTEMPTS times, then set aside.
    const bus = new pg.Client({ connectionString: platform.auth.runtime.config.busUrl });
    await bus.connect();
    const poisonId = randomUUID();
    try {
      await bus.query(`INSERT INTO bus_events (id, type, source, payload) VALUES ($1, 'account.changed', 'test', '{"id": "not-a-uuid"}')`, [poisonId]);
      await bus.query(`NOTIFY ${BUS_CHANNEL}`);
    } finally {
      await bus.end();
    }
    const after = await statusWhen((current) => consumers(current).get('auth')?.deadLetters === 1 && consumers(current).get('auth')?.lag === 0);
    // Admins see which event it was, why and when; its payload stays in auth's bus_dead_letters.
    expect(consumers(after).get('auth')).toEqual({
      consumer: 'auth',
      lag: 0,
      deadLetters: 1,
      recentDeadLetters: [{ position: expect.stringMatching(/^\d+$/), eventId: poisonId, type: 'account.changed', error: expect.any(String), attempts: 2, failedAt: expect.any(String) }],
    });
    expect(consumers(after).get('auth')!.recentDeadLetters[0]!.error).not.toBe('');
    expect(errorLines).toContainEqual(expect.objectContaining({ service: 'auth', msg: 'bus event moved to dead letters', eventId: poisonId, attempts: 2 }));
    // Events after it are still applied: a new account's credentials reach auth, so it can sign in.
    await signUp(platform);
  });

  it('logs one "service status" line per subgraph at each probe, for the logs subgraph’s history', async () => {
    const lines = gatewayLines.filter((line) => line.msg === 'service status');
    expect(new Set(lines.map((line) => line.target))).toEqual(new Set(NAMES));
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(['healthy', 'lastError', 'latencyMs', 'level', 'msg', 'ready', 'service', 'target', 'time', 'version']);
      expect(line).toMatchObject({ level: 'info', service: 'gateway', healthy: expect.any(Boolean), ready: expect.any(Boolean) });
    }
    // A healthy market probe among them (on a loaded machine one probe of the first may have been late).
    await eventually(async () => gatewayLines.some((line) => line.msg === 'service status' && line.target === 'market' && line.healthy === true));
    const healthyMarket = gatewayLines.find((line) => line.msg === 'service status' && line.target === 'market' && line.healthy === true);
    expect(healthyMarket).toMatchObject({ healthy: true, ready: true, version: packageVersion('subgraphs/market'), lastError: null, latencyMs: expect.any(Number) });
  });

  it('lists the complete backups under BACKUP_DIR, newest first, to admins only', async () => {
    expect((await send(platform.gatewayUrl, BackupsDocument, {}, admin.accessToken)).data).toEqual({ backups: [] });
    const older = new Date('2026-11-20T03:00:00Z');
    const newer = new Date('2026-11-21T03:00:00Z');
    for (const time of [older, newer]) {
      const dir = path.join(backupDir, backupName(time));
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'account.ndjson.gz'), Buffer.alloc(1000));
      await writeManifest(dir, newManifest(time, [{ name: 'account', database: 'account', migration: null, tables: [], sequences: [] }]));
    }
    // A backup still being written (no manifest yet) is not listed.
    fs.mkdirSync(path.join(backupDir, backupName(new Date('2026-11-22T03:00:00Z'))));

    const listed = await send(platform.gatewayUrl, BackupsDocument, {}, admin.accessToken);
    expect(listed.data?.backups).toEqual([
      { name: backupName(newer), createdAt: newer.toISOString(), bytes: expect.any(Number), databases: ['account'] },
      { name: backupName(older), createdAt: older.toISOString(), bytes: expect.any(Number), databases: ['account'] },
    ]);
    expect(listed.data!.backups[0]!.bytes).toBeGreaterThan(1000);
    expect(codes(await send(platform.gatewayUrl, BackupsDocument, {}, user.accessToken))).toEqual(['FORBIDDEN']);
    expect(codes(await send(platform.gatewayUrl, BackupsDocument, {}))).toEqual(['UNAUTHENTICATED']);
  });

  it('goes on when PostgreSQL drops the idle bus connections of every subgraph (a restart, a failover)', async () => {
    const bus = new pg.Client({ connectionString: platform.auth.runtime.config.busUrl });
    await bus.connect();
    try {
      const { rows } = await bus.query<{ dropped: boolean }>(
        `SELECT pg_terminate_backend(pid) AS dropped FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle' AND query NOT ILIKE 'LISTEN%'`,
      );
      expect(rows.length).toBeGreaterThan(0);
    } finally {
      await bus.end();
    }
    // Events still travel (a new account reaches auth, so it can sign in), and every subgraph stays up.
    await signUp(platform);
    await statusWhen((current) => current.healthy && current.services!.every((service) => service.healthy));
  });

  it('listens for bus events again when PostgreSQL drops the consumers\' listening connections', async () => {
    const bus = new pg.Client({ connectionString: platform.auth.runtime.config.busUrl });
    await bus.connect();
    try {
      const listening = async () =>
        (await bus.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN herck_bus'")).rows.map((row) => row.pid);
      const before = await listening();
      expect(before.length).toBeGreaterThan(0);
      await bus.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [before]);
      // Each consumer listens again on a new connection (they had fallen back to polling for good).
      await eventually(async () => {
        const now = await listening();
        return now.length === before.length && now.every((pid) => !before.includes(pid));
      }, 15_000);
    } finally {
      await bus.end();
    }
    await signUp(platform);
  });

  it('turns unhealthy when a subgraph stops, naming what went wrong at the next probe', async () => {
    await platform.orders!.stop();
    const ordersIn = (current: Status) => current.services!.find((service) => service.name === 'orders')!;
    // A probe during its shutdown may still have found it answering 503; wait for one that finds it gone.
    // The others healthy in that same probe (one probe of theirs may be late on a loaded machine: waited out too).
    const othersHealthy = (current: Status) => current.services!.filter((service) => service.name !== 'orders').every((service) => service.healthy);
    // A probe sent on a connection it closed as it stopped says "other side closed": wait for one that found nothing there.
    const refused = (current: Status) => /ECONNREFUSED/.test(ordersIn(current).lastError ?? '');
    const status = await statusWhen((current) => !current.healthy && ordersIn(current).latencyMs === null && refused(current) && othersHealthy(current));
    const orders = ordersIn(status);
    // The network's reason, also in a test's VM context (whose realm fails instanceof on fetch's errors).
    expect(orders).toMatchObject({ healthy: false, ready: false, latencyMs: null, version: null, lastError: expect.stringMatching(/^\/readyz: connect ECONNREFUSED/) });
    expect((await send(platform.gatewayUrl, HealthDocument, {})).data).toEqual({ status: { healthy: false } });
    // Its bus consumer is still listed, its lag growing with every round market publishes meanwhile.
    const lagOf = (current: Status) => current.bus!.find((consumer) => consumer.consumer === 'orders')?.lag ?? -1;
    const stopped = lagOf(await statusWhen((current) => lagOf(current) >= 1));
    await statusWhen((current) => lagOf(current) > stopped);
    await eventually(async () => gatewayLines.some((line) => line.msg === 'service status' && line.target === 'orders' && line.healthy === false && typeof line.lastError === 'string'));
  });
});
