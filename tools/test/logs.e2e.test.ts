import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { EnvReader, LOG_BATCH_HEADER, LOG_SHIPPING_TOKEN_HEADER, Logger, LogShipper, LogShippingSigner, openServiceLogger, readBaseConfig, readSigningKeys } from '@herck/common';
import { codes, send } from './support/graphql-client';
import { DeleteLogsDocument, LogArchivesDocument, LogsDocument, LogStatsDocument, LogUsageDocument, MeDocument, ServiceStatusHistoryDocument } from './support/operations.generated';
import { TestPlatform, startTestPlatform } from './support/platform';
import { adminEnv, eventually, logInAdmin, signUp, SignedUpUser } from './support/users';

const ADMIN_EMAIL = 'logs-admin@example.com';
const MAX_BYTES = 400_000;
const KEEP_BYTES = 100_000;

/** Shippers made once the logs subgraph listens; the services' loggers hand them every line. */
const shippers: Partial<Record<string, LogShipper>> = {};
const shipping = (service: string, level: 'info' | 'debug') => new Logger(service, level, {}, (line) => shippers[service]?.push(line));

let platform: TestPlatform;
let admin: { accessToken: string };
let user: SignedUpUser;
/** Archives go where `npm start` puts them by default, below a folder whose name starts with a dot (.data). */
const archiveRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-logs-e2e-'));

beforeAll(async () => {
  platform = await startTestPlatform(
    {
      ...adminEnv(ADMIN_EMAIL),
      LOGS_MAX_BYTES_PER_SERVICE: String(MAX_BYTES),
      LOGS_KEEP_BYTES_PER_SERVICE: String(KEEP_BYTES),
      LOGS_MAX_QUERY_LENGTH: '50',
      STATUS_PROBE_SECONDS: '1',
      LOGS_ARCHIVE_DIR: path.join(archiveRoot, '.data', 'log-archives'),
    },
    { logs: {}, loggers: { gateway: shipping('gateway', 'info'), account: shipping('account', 'debug') } },
  );
  // The same wiring `npm start` uses: LOGS_URL names the subgraph, the key comes from the data folder.
  const env = { ...platform.env, LOG_SHIPPING: 'true', LOGS_URL: platform.logs!.url, LOG_SHIPPING_FLUSH_MS: '50' };
  const base = readBaseConfig(new EnvReader(env));
  for (const service of ['gateway', 'account', 'archive-test']) shippers[service] = openServiceLogger(service, base, env).shipper;
  [user, admin] = await Promise.all([signUp(platform), logInAdmin(platform)]);
}, 120_000);

afterAll(async () => {
  await Promise.all(Object.values(shippers).map((shipper) => shipper!.close()));
  await platform?.stop();
  fs.rmSync(archiveRoot, { recursive: true, force: true });
}, 60_000);

const logsOf = (filter: Record<string, unknown>, first = 100, after?: string) => send(platform.gatewayUrl, LogsDocument, { filter, first, after }, admin.accessToken);

describe('log shipping and request ids', () => {
  it('gives every request an id, keeps a well-formed one, and every line logged for it carries it', async () => {
    const requestId = `e2e-${randomUUID()}`;
    const me = await send(platform.gatewayUrl, MeDocument, {}, user.accessToken, { 'x-request-id': requestId });
    expect(me.data?.me?.id).toBe(user.accountId);
    expect(me.headers.get('x-request-id')).toBe(requestId);
    const malformed = await send(platform.gatewayUrl, MeDocument, {}, user.accessToken, { 'x-request-id': 'no spaces "allowed"' });
    expect(malformed.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // The routes beside /graphql answer with an id as well.
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const answer = await fetch(new URL(path, platform.gatewayUrl), { headers: { 'x-request-id': requestId } });
      expect({ path, id: answer.headers.get('x-request-id') }).toEqual({ path, id: requestId });
    }
    // What no route serves is a JSON refusal with a code, not Express's HTML page.
    for (const [method, path] of [['PUT', '/logs/export'], ['DELETE', '/healthz'], ['GET', '/nothing-here']]) {
      const answer = await fetch(new URL(path!, platform.gatewayUrl), { method });
      expect({ method, path, status: answer.status, body: await answer.json() }).toEqual({
        method,
        path,
        status: 404,
        body: { errors: [{ message: `Nothing is served at ${method} ${path}`, extensions: { code: 'NOT_FOUND' } }] },
      });
    }
    // OPTIONS is Express's to answer: the methods a path takes.
    const options = await fetch(new URL('/healthz', platform.gatewayUrl), { method: 'OPTIONS' });
    expect([options.status, options.headers.get('allow')]).toEqual([200, expect.stringContaining('GET')]);

    let services: string[] = [];
    await eventually(async () => {
      const found = await logsOf({ requestId });
      services = [...new Set(found.data!.logs.edges.map((edge) => edge.node.service))].sort();
      return services.includes('gateway') && services.includes('account');
    });
    const found = await logsOf({ requestId, services: ['gateway'] });
    const line = found.data!.logs.edges.map((edge) => edge.node).find((node) => node.message === 'operation answered');
    expect(line).toMatchObject({ service: 'gateway', level: 'INFO', requestId, fields: { operation: 'Me', type: 'query' } });
  });

  it('gives an operation sent over the socket an id of its own, carried by the subgraphs’ lines for it too', async () => {
    const client = createClient({ url: platform.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${user.accessToken}` }, retryAttempts: 0 });
    try {
      const answer = await new Promise<unknown>((resolve, reject) => {
        let data: unknown;
        client.subscribe({ query: 'query SocketMe { me { id } }' }, { next: (result) => (data = result.data), error: reject, complete: () => resolve(data) });
      });
      expect(answer).toEqual({ me: { id: user.accountId } });
    } finally {
      await client.dispose();
    }
    let requestId: string | null | undefined;
    await eventually(async () => {
      const answered = (await logsOf({ services: ['gateway'], text: 'operation answered' })).data!.logs.edges.map((edge) => edge.node);
      requestId = answered.find((node) => (node.fields as { operation?: string }).operation === 'SocketMe')?.requestId;
      return requestId !== undefined;
    });
    expect(requestId).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
    await eventually(async () => (await logsOf({ requestId, services: ['account'] })).data!.logs.edges.length > 0);
  });

  it('stores a batch sent twice (an acknowledgement lost on the way) once, and refuses a batch without a valid token', async () => {
    const env = new EnvReader(platform.env);
    const [key] = readSigningKeys(env, { envName: 'LOG_SHIPPING', devFile: 'log-shipping.pem', dataDir: platform.env.HERCK_DATA_DIR!, production: false });
    const ingest = new URL('/internal/logs', platform.logs!.url);
    const marker = `retried-${randomUUID()}`;
    const body = [1, 2, 3].map((index) => JSON.stringify({ level: 'info', msg: `${marker} ${index}` })).join('\n');
    // One batch id across both attempts, as a shipper keeps it until logs acknowledges the batch.
    const batchId = randomUUID();
    const post = (token: string) => fetch(ingest, { method: 'POST', headers: { [LOG_SHIPPING_TOKEN_HEADER]: token, [LOG_BATCH_HEADER]: batchId }, body });
    const token = new LogShippingSigner(key!, 'retry-test').token();
    expect(await (await post(token)).json()).toEqual({ accepted: 3, rejected: 0 });
    expect((await post(token)).status).toBe(200);
    const stored = await logsOf({ services: ['retry-test'] });
    expect(stored.data!.logs.edges.map((edge) => edge.node.message).sort()).toEqual([`${marker} 1`, `${marker} 2`, `${marker} 3`]);
    expect((await post('forged')).status).toBe(401);
  });

  it('counts entries per bucket and reports each service’s usage against the threshold', async () => {
    const now = new Date();
    const stats = await send(platform.gatewayUrl, LogStatsDocument, { from: new Date(now.getTime() - 3_600_000).toISOString(), to: now.toISOString(), bucket: 'HOUR' }, admin.accessToken);
    const gatewayInfo = stats.data!.logStats.filter((bucket) => bucket.service === 'gateway' && bucket.level === 'INFO');
    expect(gatewayInfo.reduce((sum, bucket) => sum + bucket.count, 0)).toBeGreaterThan(0);
    const usage = await send(platform.gatewayUrl, LogUsageDocument, {}, admin.accessToken);
    const gateway = usage.data!.logUsage.find((row) => row.service === 'gateway')!;
    expect(gateway.entries).toBeGreaterThan(0);
    expect(gateway.bytes).toBeGreaterThan(gateway.entries * 50);
    expect(gateway.thresholdBytes).toBe(MAX_BYTES);
  });

  it('keeps the gateway’s health checks of each service as its status history', async () => {
    const from = new Date(Date.now() - 600_000).toISOString();
    await eventually(async () => {
      const history = await send(platform.gatewayUrl, ServiceStatusHistoryDocument, { service: 'account', from, to: new Date().toISOString() }, admin.accessToken);
      return (history.data?.serviceStatusHistory ?? []).some((sample) => sample.healthy && sample.ready && sample.latencyMs !== null);
    }, 20_000);
  });
});

describe('who may read logs, and bad input', () => {
  it('answers admins only', async () => {
    const asUser = await logsOf({});
    expect(asUser.data?.logs).toBeDefined();
    expect(codes(await send(platform.gatewayUrl, LogsDocument, {}, user.accessToken))).toContain('FORBIDDEN');
    expect(codes(await send(platform.gatewayUrl, LogUsageDocument, {}))).toEqual(expect.arrayContaining([expect.stringMatching(/FORBIDDEN|UNAUTHENTICATED/)]));
    expect(codes(await send(platform.gatewayUrl, DeleteLogsDocument, { filter: { services: ['gateway'] } }, user.accessToken))).toContain('FORBIDDEN');
  });

  it.each([
    ['from after to', { filter: { from: '2026-11-02T00:00:00Z', to: '2026-11-01T00:00:00Z' } }],
    ['an unknown service', { filter: { services: ['no-such-service'] } }],
    ['a huge first', { first: 100_000 }],
    ['a text search over LOGS_MAX_QUERY_LENGTH', { filter: { text: 'x'.repeat(51) } }],
    ['a malformed cursor', { after: 'not-a-cursor' }],
  ])('refuses %s with BAD_USER_INPUT', async (_case, variables) => {
    const response = await send(platform.gatewayUrl, LogsDocument, variables as never, admin.accessToken);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses an unknown level, an empty deletion filter and a year of minutes', async () => {
    expect(codes(await send(platform.gatewayUrl, LogsDocument, { filter: { levels: ['LOUD' as never] } }, admin.accessToken))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await send(platform.gatewayUrl, DeleteLogsDocument, { filter: {} }, admin.accessToken))).toEqual(['BAD_USER_INPUT']);
    const year = await send(platform.gatewayUrl, LogStatsDocument, { from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z', bucket: 'MINUTE' }, admin.accessToken);
    expect(codes(year)).toEqual(['BAD_USER_INPUT']);
    // 10,000 minutes long, but off the minute: it touches 10,001 minute buckets, one too many.
    const offBoundary = await send(platform.gatewayUrl, LogStatsDocument, { from: '2026-11-21T00:00:30.000Z', to: '2026-11-27T22:40:30.000Z', bucket: 'MINUTE' }, admin.accessToken);
    expect(codes(offBoundary)).toEqual(['BAD_USER_INPUT']);
    const tenThousand = await send(platform.gatewayUrl, LogStatsDocument, { from: '2026-11-21T00:00:30.000Z', to: '2026-11-27T22:39:30.000Z', bucket: 'MINUTE' }, admin.accessToken);
    expect(tenThousand.errors).toBeUndefined();
  });
});

describe('archives past the threshold', () => {
  const SERVICE = 'archive-test';
  const ENTRIES = 600;

  it('moves the oldest entries into a verified gzip file, deletes exactly those, mails the admins and serves the file to admins', async () => {
    const mailsBefore = platform.mailbox.countFor(ADMIN_EMAIL);
    const shipper = shippers[SERVICE]!;
    const padding = 'p'.repeat(900);
    for (let index = 0; index < ENTRIES; index++) shipper.push(JSON.stringify({ time: new Date(Date.UTC(2026, 10, 20, 0, 0, index)).toISOString(), level: 'info', service: SERVICE, msg: `entry ${index}`, index, padding }));
    await shipper.flush();
    expect(shipper.stats()).toMatchObject({ shipped: ENTRIES, dropped: 0 });

    let archive: { fileName: string; entries: number; from: string; to: string } | undefined;
    await eventually(async () => {
      const archives = await send(platform.gatewayUrl, LogArchivesDocument, {}, admin.accessToken);
      archive = archives.data!.logArchives.find((found) => found.fileName.startsWith(`${SERVICE}_`));
      return Boolean(archive);
    }, 20_000);
    expect(archive!.fileName).toMatch(/^archive-test_\d{8}T\d{6}Z\.log\.gz$/);
    expect(archive!.from).toBe('2026-11-20T00:00:00.000Z');

    // The file, through the gateway with an admin's token: gzip, one JSON entry per line.
    const download = await fetch(new URL(`/logs/archives/${archive!.fileName}`, platform.gatewayUrl), { headers: { authorization: `Bearer ${admin.accessToken}` } });
    expect(download.status).toBe(200);
    const lines = zlib.gunzipSync(Buffer.from(await download.arrayBuffer())).toString('utf8').trim().split('\n');
    const archived = lines.map((line) => JSON.parse(line) as { id: string; fields: { index: number } });
    expect(archived).toHaveLength(archive!.entries);
    expect(archived.map((entry) => entry.fields.index)).toEqual([...Array(archive!.entries).keys()]);

    // None lost, none twice: what stayed and what was archived are the whole, without overlap.
    const stored: { id: string; index: number }[] = [];
    let after: string | undefined;
    do {
      const page = await logsOf({ services: [SERVICE] }, 100, after);
      stored.push(...page.data!.logs.edges.map((edge) => ({ id: edge.node.id, index: (edge.node.fields as { index: number }).index })));
      after = page.data!.logs.pageInfo.hasNextPage ? page.data!.logs.pageInfo.endCursor! : undefined;
    } while (after);
    expect(archived.length + stored.length).toBe(ENTRIES);
    expect(new Set([...archived.map((entry) => entry.id), ...stored.map((entry) => entry.id)]).size).toBe(ENTRIES);
    expect(Math.min(...stored.map((entry) => entry.index))).toBe(archive!.entries);
    const usage = (await send(platform.gatewayUrl, LogUsageDocument, {}, admin.accessToken)).data!.logUsage.find((row) => row.service === SERVICE)!;
    expect(usage).toMatchObject({ entries: stored.length });
    // Archiving brought the service down to KEEP_BYTES when it passed MAX_BYTES; later batches added to that.
    expect(usage.bytes).toBeLessThanOrEqual(MAX_BYTES);
    expect(usage.bytes).toBeGreaterThan(0);

    const mail = await platform.mailbox.waitFor(ADMIN_EMAIL, mailsBefore + 1);
    expect(mail.text).toContain(archive!.fileName);

    const asUser = await fetch(new URL(`/logs/archives/${archive!.fileName}`, platform.gatewayUrl), { headers: { authorization: `Bearer ${user.accessToken}` } });
    expect(asUser.status).toBe(403);
    // Named like every answer, refused or not.
    expect([asUser.headers.get('x-request-id'), download.headers.get('x-request-id')]).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/), expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    expect((await fetch(new URL(`/logs/archives/${archive!.fileName}`, platform.gatewayUrl))).status).toBe(401);
    const traversal = await fetch(new URL('/logs/archives/..%2F..%2Fkeys%2Flog-shipping.pem', platform.gatewayUrl), { headers: { authorization: `Bearer ${admin.accessToken}` } });
    expect(traversal.status).toBe(400);
    // A name with a path in it, slashes unencoded: refused the same way, in JSON.
    const nested = await fetch(new URL(`/logs/archives/archives/${archive!.fileName}`, platform.gatewayUrl), { headers: { authorization: `Bearer ${admin.accessToken}` } });
    expect(nested.status).toBe(400);
    expect(await nested.json()).toEqual({ errors: [expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } })] });
    // No name at all, or one that is not even a URL's text: refused in JSON too, each answer with its request's id.
    for (const path of ['/logs/archives', '/logs/archives/', '/logs/archives/%ZZ']) {
      const unnamed = await fetch(new URL(path, platform.gatewayUrl), { headers: { authorization: `Bearer ${admin.accessToken}` } });
      expect({ path, status: unnamed.status, type: unnamed.headers.get('content-type'), id: unnamed.headers.get('x-request-id') }).toEqual({
        path,
        status: 400,
        type: expect.stringMatching(/json/),
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
    }
    const missing = await fetch(new URL(`/logs/archives/${SERVICE}_20000101T000000Z.log.gz`, platform.gatewayUrl), { headers: { authorization: `Bearer ${admin.accessToken}` } });
    expect(missing.status).toBe(404);

    // An admin deletes the rest; the count comes back and usage follows.
    const deleted = await send(platform.gatewayUrl, DeleteLogsDocument, { filter: { services: [SERVICE] } }, admin.accessToken);
    expect(deleted.data!.deleteLogs).toBe(stored.length);
    const after2 = (await send(platform.gatewayUrl, LogUsageDocument, {}, admin.accessToken)).data!.logUsage.find((row) => row.service === SERVICE)!;
    expect(after2).toMatchObject({ entries: 0, bytes: 0 });
  });
});

describe('a service that fails to start', () => {
  it('ships why to the logs service too, not only to its own output', async () => {
    const { spawn } = await import('node:child_process');
    const path = await import('node:path');
    const { repositoryRoot } = await import('@herck/common');
    // The database out of reach: the commonest failure at start-up, and one an operator looks for in `logs`.
    const env = { ...platform.env, LOG_SHIPPING: 'true', LOGS_URL: platform.logs!.url, LOG_SHIPPING_FLUSH_MS: '50', DATABASE_URL: 'postgres://herck:none@127.0.0.1:1/herck', ORDERS_PORT: '0' };
    const child = spawn(process.execPath, [path.join(repositoryRoot(), 'subgraphs', 'orders', 'dist', 'src', 'main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect([code, output]).toEqual([1, expect.stringContaining('start-up failed')]);
    await eventually(async () => (await logsOf({ services: ['orders'], text: 'start-up failed' })).data!.logs.edges.length === 1);
    const [entry] = (await logsOf({ services: ['orders'], text: 'start-up failed' })).data!.logs.edges.map((edge) => edge.node);
    expect(entry).toMatchObject({ level: 'ERROR', service: 'orders' });
    expect(JSON.stringify(entry!.fields)).toContain('ECONNREFUSED');
  });
});
