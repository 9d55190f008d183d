import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EnvReader, LOG_BATCH_HEADER, LOG_SHIPPING_TOKEN_HEADER, LogShippingSigner, readSigningKeys } from '@herck/common';
import { codes, send } from './support/graphql-client';
import { LogArchivesDocument, LogsDocument, LogUsageDocument } from './support/operations.generated';
import { TestPlatform, startTestPlatform } from './support/platform';
import { adminEnv, logInAdmin, signUp } from './support/users';

/** Issue 10's contract for `logs` and archives, as a client sees it through the gateway. */

const MAX_BYTES = 20_000;
const KEEP_BYTES = 10_000;

/** LOGS_ARCHIVE_DIR lies under a plain file, so no archive can be written until the file makes way for a folder. */
const archiveParent = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'herck-logs-contract-')), 'archives-parent');
fs.writeFileSync(archiveParent, 'not a folder');

let platform: TestPlatform;
let admin: { accessToken: string };
let ship: (service: string, lines: object[]) => Promise<void>;
let shippingToken: (service: string) => string;

beforeAll(async () => {
  platform = await startTestPlatform(
    {
      ...adminEnv('logs-contract-admin@example.com'),
      LOGS_MAX_BYTES_PER_SERVICE: String(MAX_BYTES),
      LOGS_KEEP_BYTES_PER_SERVICE: String(KEEP_BYTES),
      LOGS_ARCHIVE_DIR: path.join(archiveParent, 'archives'),
    },
    { logs: {} },
  );
  admin = await logInAdmin(platform);
  const [key] = readSigningKeys(new EnvReader(platform.env), { envName: 'LOG_SHIPPING', devFile: 'log-shipping.pem', dataDir: platform.env.HERCK_DATA_DIR!, production: false });
  shippingToken = (service) => new LogShippingSigner(key!, service).token();
  // Straight to logs' internal route, as a service's shipper sends a batch.
  ship = async (service, lines) => {
    const response = await fetch(new URL('/internal/logs', platform.logs!.url), {
      method: 'POST',
      headers: { [LOG_SHIPPING_TOKEN_HEADER]: shippingToken(service), [LOG_BATCH_HEADER]: randomUUID() },
      body: lines.map((line) => JSON.stringify(line)).join('\n'),
    });
    expect(await response.json()).toEqual({ accepted: lines.length, rejected: 0 });
  };
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  fs.rmSync(path.dirname(archiveParent), { recursive: true, force: true });
}, 60_000);

describe('bad input to logs', () => {
  it('refuses an oversized unknown service without echoing it back', async () => {
    const huge = 'x'.repeat(100_000);
    const response = await send(platform.gatewayUrl, LogsDocument, { filter: { services: [huge] } }, admin.accessToken);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.extensions).toMatchObject({ field: 'services' });
    expect(response.errors![0]!.message.length).toBeLessThan(200);
  });

  it('counts LOGS_MAX_QUERY_LENGTH (200) in characters, not UTF-16 units', async () => {
    const marker = `emoji${randomUUID().slice(0, 8)}`;
    await ship('contract-text', [{ level: 'info', msg: `${marker} 🚀` }]);
    // 150 characters, 300 UTF-16 units: within the limit.
    const within = await send(platform.gatewayUrl, LogsDocument, { filter: { services: ['contract-text'], text: `${marker} ${'🚀'.repeat(149 - marker.length)}` } }, admin.accessToken);
    expect(within.errors).toBeUndefined();
    const found = await send(platform.gatewayUrl, LogsDocument, { filter: { services: ['contract-text'], text: `${marker} 🚀` } }, admin.accessToken);
    expect(found.data!.logs.edges.map((edge) => edge.node.message)).toEqual([`${marker} 🚀`]);
    const over = await send(platform.gatewayUrl, LogsDocument, { filter: { text: '🚀'.repeat(201) } }, admin.accessToken);
    expect(codes(over)).toEqual(['BAD_USER_INPUT']);
    expect(over.errors![0]!.extensions).toMatchObject({ field: 'text' });
  });
});

describe('blank text in a filter', () => {
  it('is refused, as text without a word is (a blank requestId matched nothing, and deleteLogs answered 0)', async () => {
    // "or" alone is the web search's operator, not a word: it matched nothing, silently.
    for (const filter of [{ text: '   ' }, { text: '!!! ...' }, { text: 'OR' }, { text: 'or - ""' }, { requestId: '   ' }]) {
      const response = await send(platform.gatewayUrl, LogsDocument, { filter }, admin.accessToken);
      expect(response.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', Object.keys(filter)[0]]]);
    }
  });
});

describe('log shipping', () => {
  it('stores a batch holding a line nested thousands deep, cutting the deepest parts, instead of refusing it for ever', async () => {
    const marker = `deep${randomUUID().slice(0, 8)}`;
    // 40 KB: well within a shipper's 256 KB line. It used to fail the whole batch with 503, which the shipper resends for ever.
    const body = [JSON.stringify({ level: 'info', msg: `${marker} plain` }), `{"level":"warn","msg":"${marker} nested","payload":${'['.repeat(20_000)}${']'.repeat(20_000)}}`].join('\n');
    const response = await fetch(new URL('/internal/logs', platform.logs!.url), {
      method: 'POST',
      headers: { [LOG_SHIPPING_TOKEN_HEADER]: shippingToken('contract-deep'), [LOG_BATCH_HEADER]: randomUUID() },
      body,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ accepted: 2, rejected: 0 });
    const found = await send(platform.gatewayUrl, LogsDocument, { filter: { services: ['contract-deep'], text: marker } }, admin.accessToken);
    expect(found.errors).toBeUndefined();
    expect(found.data!.logs.edges.map((edge) => edge.node.message).sort()).toEqual([`${marker} nested`, `${marker} plain`]);
  });
});

describe('an archive that could not be written', () => {
  const SERVICE = 'contract-archive';
  const ENTRIES = 40;

  it('deletes nothing; once the folder can be written, the oldest entries move, none lost and none twice', async () => {
    const lines = Array.from({ length: ENTRIES }, (_, index) => ({ time: new Date(Date.UTC(2026, 10, 20, 0, 0, index)).toISOString(), level: 'info', msg: `entry ${index}`, index, padding: 'p'.repeat(700) }));
    await ship(SERVICE, lines);
    // The batch passed the threshold and its archive was tried (and failed: the folder is under a file).
    await platform.logs!.archiver.idle();
    const usage = async () => (await send(platform.gatewayUrl, LogUsageDocument, {}, admin.accessToken)).data!.logUsage.find((row) => row.service === SERVICE)!;
    const stored = async () => (await send(platform.gatewayUrl, LogsDocument, { filter: { services: [SERVICE] }, first: 100 }, admin.accessToken)).data!.logs.edges.map((edge) => (edge.node.fields as { index: number }).index);
    expect((await usage()).entries).toBe(ENTRIES);
    expect((await usage()).bytes).toBeGreaterThan(MAX_BYTES);
    expect(await stored()).toHaveLength(ENTRIES);
    expect((await send(platform.gatewayUrl, LogArchivesDocument, {}, admin.accessToken)).data!.logArchives).toEqual([]);

    // The next check (after a batch, or housekeeping) archives once the folder can be made.
    fs.rmSync(archiveParent);
    fs.mkdirSync(archiveParent);
    await platform.logs!.archiver.check();
    // Other services of this file may have passed the threshold too: theirs are archived in the same check.
    const archive = (await send(platform.gatewayUrl, LogArchivesDocument, {}, admin.accessToken)).data!.logArchives.find((listed) => listed.service === SERVICE);
    expect(archive).toMatchObject({ service: SERVICE, from: '2026-11-20T00:00:00.000Z' });
    const left = await stored();
    expect(archive!.entries + left.length).toBe(ENTRIES);
    expect(Math.min(...left)).toBe(archive!.entries);
    expect((await usage()).bytes).toBeLessThanOrEqual(KEEP_BYTES);
  });
});

describe('exporting logs', () => {
  const exportOf = (query: string, token?: string) => fetch(new URL(`/logs/export${query}`, platform.gatewayUrl), { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const SERVICE = 'contract-export';

  it('streams the entries a filter selects to an admin as NDJSON, newest first, in the shape of an archive line', async () => {
    await ship(SERVICE, [
      { time: '2026-11-21T10:00:00.000Z', level: 'info', msg: 'started', port: 4100 },
      { time: '2026-11-21T10:01:00.000Z', level: 'warn', msg: 'slow answer', requestId: 'req-export-1', ms: 950 },
      { time: '2026-11-21T10:02:00.000Z', level: 'error', msg: 'failed', error: { message: 'boom' } },
      { time: '2026-11-21T10:03:00.000Z', level: 'debug', msg: 'detail' },
    ]);
    const response = await exportOf(`?services=${SERVICE}&levels=WARN,error&from=2026-11-21T00:00:00Z`, admin.accessToken);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="herck-logs_\d{8}T\d{6}Z\.ndjson"$/);
    const lines = (await response.text()).split('\n');
    expect(lines.pop()).toBe('');
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries).toEqual([
      { id: expect.any(String), time: '2026-11-21T10:02:00.000Z', service: SERVICE, level: 'error', message: 'failed', requestId: null, fields: { error: { message: 'boom' } } },
      { id: expect.any(String), time: '2026-11-21T10:01:00.000Z', service: SERVICE, level: 'warn', message: 'slow answer', requestId: 'req-export-1', fields: { ms: 950 } },
    ]);
    // Repeated parameters are lists too; a filter nothing matches is an empty file.
    expect((await (await exportOf(`?services=${SERVICE}&services=gateway&levels=debug`, admin.accessToken)).text()).split('\n').filter(Boolean).map((line) => JSON.parse(line).message)).toContain('detail');
    const none = await exportOf(`?services=${SERVICE}&from=2027-01-01T00:00:00Z`, admin.accessToken);
    expect([none.status, await none.text()]).toEqual([200, '']);
    // HEAD checks the filter and answers the headers, reading nothing.
    const head = await fetch(new URL(`/logs/export?services=${SERVICE}`, platform.gatewayUrl), { method: 'HEAD', headers: { authorization: `Bearer ${admin.accessToken}` } });
    expect([head.status, head.headers.get('content-type'), await head.text()]).toEqual([200, 'application/x-ndjson; charset=utf-8', '']);
    const badHead = await fetch(new URL('/logs/export?levels=fatal', platform.gatewayUrl), { method: 'HEAD', headers: { authorization: `Bearer ${admin.accessToken}` } });
    expect(badHead.status).toBe(400);
  });

  it('refuses a bad filter as logs does, other callers than admins, and a parameter it does not know', async () => {
    const refusal = async (response: Response) => [response.status, ((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code];
    expect(await refusal(await exportOf(`?services=${SERVICE}&from=2026-11-22T00:00:00Z&to=2026-11-21T00:00:00Z`, admin.accessToken))).toEqual([400, 'BAD_USER_INPUT']);
    expect(await refusal(await exportOf('?services=no-such-service', admin.accessToken))).toEqual([400, 'BAD_USER_INPUT']);
    expect(await refusal(await exportOf('?levels=fatal', admin.accessToken))).toEqual([400, 'BAD_USER_INPUT']);
    expect(await refusal(await exportOf('?from=yesterday', admin.accessToken))).toEqual([400, 'BAD_USER_INPUT']);
    // A time without a zone is refused, as the DateTime of `logs` refuses it (the server's zone would have been taken).
    expect(await refusal(await exportOf('?from=2026-11-21T10:00', admin.accessToken))).toEqual([400, 'BAD_USER_INPUT']);
    // `service` for `services` would have exported everything.
    expect(await refusal(await exportOf(`?service=${SERVICE}`, admin.accessToken))).toEqual([400, 'BAD_USER_INPUT']);
    expect(await refusal(await exportOf(`?services=${SERVICE}`, (await signUp(platform)).accessToken))).toEqual([403, 'FORBIDDEN']);
    expect(await refusal(await exportOf(`?services=${SERVICE}`))).toEqual([401, 'UNAUTHENTICATED']);
  });
});

