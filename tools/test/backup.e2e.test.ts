import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { dropDatabase, Environment, listBackups, Logger, pruneBackups, repositoryRoot } from '@herck/common';
import { ReplayServer } from '../../subgraphs/market/test/providers/replay-server';
import { backUpHerck, restoreHerck } from '../src/backup-runner';
import { send } from './support/graphql-client';
import {
  AccountsDocument,
  AllOrdersDocument,
  CandlesDocument,
  CreateStrategyDocument,
  ImportCandlesDocument,
  MeDocument,
  OrdersDocument,
  OrderStatisticsDocument,
  PlaceBuyOrderDocument,
  PortfoliosDocument,
  RefreshTokenDocument,
  StrategiesDocument,
  TicksDocument,
  TransactionsDocument,
} from './support/operations.generated';
import { startTestPlatform, TestPlatform, TestPlatformOptions } from './support/platform';
import { orderPricesReady } from './support/orders';
import { runCli } from './support/run-cli';
import { startRecordedProviders } from './support/recorded-providers';
import { adminEnv, eventually, logIn, logInAdmin, signUp, SignedUpUser } from './support/users';

const RESTORE_CLI = path.join(repositoryRoot(), 'tools', 'dist', 'src', 'restore.js');
const logger = new Logger('backup-test', 'error');
const services: TestPlatformOptions = { market: {}, analysis: {}, orders: {} };

let providers: ReplayServer;
let platform: TestPlatform | undefined;
/** Shared by both platforms, like one installation's `.data`: the same signing keys, so tokens issued before the restore still verify. */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-backup-data-'));
const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-backups-'));
let settings: Environment;
let databases: Environment;
let owner: SignedUpUser;
let admin: { accessToken: string; refreshToken: string };

beforeAll(async () => {
  const recorded = await startRecordedProviders();
  providers = recorded.server;
  settings = { ...adminEnv('backup-admin@example.com'), ...recorded.env, HERCK_DATA_DIR: dataDir, BACKUP_DIR: backupDir };
  platform = await startTestPlatform(settings, services);
  databases = Object.fromEntries(Object.entries(platform.env).filter(([name]) => name.endsWith('_DATABASE_NAME')));
  owner = await signUp(platform);
  admin = await logInAdmin(platform);
}, 60_000);

afterAll(async () => {
  await platform?.stop();
  // The restored databases carry the first platform's names, which the second one does not drop.
  for (const name of Object.values(databases ?? {})) await dropDatabase(process.env.DATABASE_URL!, name!);
  await providers?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(backupDir, { recursive: true, force: true });
}, 60_000);

/** The answers compared before and after: accounts, market history, strategies, orders and portfolios, through the gateway. */
async function answers(gatewayUrl: string, cutoff: string, portfolioId: string): Promise<Record<string, unknown>> {
  const ask = async <TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables, accessToken: string) => {
    const response = await send(gatewayUrl, document, variables, accessToken);
    expect(response.errors).toBeUndefined();
    return response.data;
  };
  return {
    me: await ask(MeDocument, {}, owner.accessToken),
    accounts: await ask(AccountsDocument, { first: 50 }, admin.accessToken),
    candles: await ask(CandlesDocument, { symbol: 'ETH', interval: 'D1', from: '2026-01-01T00:00:00Z', to: '2026-01-10T00:00:00Z' }, owner.accessToken),
    ticks: await ask(TicksDocument, { symbol: 'BTC', to: cutoff, first: 1000 }, owner.accessToken),
    strategies: await ask(StrategiesDocument, {}, owner.accessToken),
    orders: await ask(OrdersDocument, { first: 10 }, owner.accessToken),
    allOrders: await ask(AllOrdersDocument, { first: 10 }, admin.accessToken),
    statistics: await ask(OrderStatisticsDocument, { period: 'DAY', from: '2026-01-01T00:00:00Z', to: cutoff }, admin.accessToken),
    portfolios: await ask(PortfoliosDocument, {}, owner.accessToken),
    transactions: await ask(TransactionsDocument, { portfolioId }, owner.accessToken),
  };
}

describe('backup and restore', () => {
  it('bring back accounts, market history, strategies and orders: the same queries give the same answers, and logins work', async () => {
    const first = platform!;
    const csv = ['time,open,high,low,close,volume', '2026-01-05,990,1010,980,1000,5', '2026-01-06,1000,1120,995,1100,5', '2026-01-07,1100,1220,1090,1210.123456789012345678,5'].join('\n');
    expect((await send(first.gatewayUrl, ImportCandlesDocument, { symbol: 'ETH', interval: 'D1', csv }, admin.accessToken)).data?.importCandles.imported).toBe(3);
    // A first round has reached the bus (orders priced from it): analysis knows its symbols only from market's events.
    await orderPricesReady(first);
    const strategy = await send(first.gatewayUrl, CreateStrategyDocument, {
      input: { name: 'Never', symbols: ['BTC'], interval: 'M1', indicators: [{ name: 'rsi14', kind: 'RSI', period: 14 }], condition: 'rsi14 < 0.0', trigger: 'ON_CROSS', cooldownSeconds: 60, channels: { inApp: true, email: false, webhookUrl: null } },
    }, owner.accessToken);
    expect(strategy.errors).toBeUndefined();
    const order = await send(first.gatewayUrl, PlaceBuyOrderDocument, { input: { asset: 'BTC', currency: 'EUR', amount: '250.00', idempotencyKey: randomUUID() } }, owner.accessToken);
    expect(order.errors).toBeUndefined();
    // The order reaches analysis over the bus and becomes a transaction of the owner's default portfolio.
    const defaultPortfolio = async () => (await send(first.gatewayUrl, PortfoliosDocument, {}, owner.accessToken)).data?.portfolios.find((portfolio) => portfolio.isDefault);
    await eventually(async () => Boolean(await defaultPortfolio()), 20_000);
    const portfolioId = (await defaultPortfolio())!.id;
    await eventually(async () => (await send(first.gatewayUrl, TransactionsDocument, { portfolioId }, owner.accessToken)).data?.transactions.nodes.length === 1, 20_000);

    const cutoff = new Date().toISOString();
    const before = await answers(first.gatewayUrl, cutoff, portfolioId);
    expect((before.ticks as { ticks: { edges: unknown[] } }).ticks.edges.length).toBeGreaterThan(0);
    expect((before.candles as { candles: { nodes: unknown[] } }).candles.nodes).toHaveLength(3);

    // Backed up while the platform runs, by what `npm run backup` calls.
    const backup = await backUpHerck(first.env, logger);
    expect(backup.dir.startsWith(backupDir)).toBe(true);
    expect(backup.manifest.databases.map((database) => database.name)).toEqual(expect.arrayContaining(['account', 'auth', 'market', 'analysis', 'orders', 'bus']));
    expect(backup.manifest.databases.at(-1)!.name).toBe('bus');
    for (const database of backup.manifest.databases) {
      if (database.name !== 'bus') expect(database.migration).toMatch(/^Migration\d+_/);
      for (const table of database.tables) expect(fs.readFileSync(path.join(backup.dir, table.file)).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    }
    expect(backup.manifest.databases.find((database) => database.name === 'orders')!.tables.find((table) => table.name === 'orders')!.rows).toBe(1);

    // Wiped: the platform stops and its databases are dropped.
    await first.stop();
    platform = undefined;
    const restored = await restoreHerck(first.env, backup.name, {}, logger);
    expect(restored.databases).toEqual(backup.manifest.databases.map((database) => database.name));

    platform = await startTestPlatform({ ...settings, ...databases }, services);
    const again = platform;
    expect(await answers(again.gatewayUrl, cutoff, portfolioId)).toEqual(before);
    const login = await logIn(again, owner.username, owner.password);
    expect((await send(again.gatewayUrl, MeDocument, {}, login.accessToken)).data?.me?.id).toBe(owner.accountId);
    // Sessions came back too: a refresh token issued before the backup still works (once).
    expect((await send(again.gatewayUrl, RefreshTokenDocument, { token: admin.refreshToken })).errors).toBeUndefined();
    // The event bus goes on: a new order reaches the portfolio.
    await orderPricesReady(again);
    expect((await send(again.gatewayUrl, PlaceBuyOrderDocument, { input: { asset: 'BTC', currency: 'EUR', amount: '10.00', idempotencyKey: randomUUID() } }, owner.accessToken)).errors).toBeUndefined();
    await eventually(async () => (await send(again.gatewayUrl, TransactionsDocument, { portfolioId }, owner.accessToken)).data?.transactions.nodes.length === 2, 20_000);
  }, 180_000);

  it('refuse to restore over an installation that holds data, or one that runs, even forced', async () => {
    const [latest] = await listBackups(backupDir);
    const env = { PATH: process.env.PATH, NODE_ENV: 'test', DATABASE_URL: process.env.DATABASE_URL, HERCK_DATA_DIR: dataDir, BACKUP_DIR: backupDir, ...databases };
    const refused = await runCli(RESTORE_CLI, [latest.name], env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/not empty[\s\S]*--force/);
    // Every line on stdout is a JSON log entry; the refusal is one of them.
    expect(refused.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line))).toContainEqual(expect.objectContaining({ level: 'error', msg: 'restore failed' }));
    // A mistyped option is a refusal that names it, not a failure.
    const mistyped = await runCli(RESTORE_CLI, [latest.name, '--frce'], env);
    expect([mistyped.status, ...mistyped.stderr.trim().split('\n').slice(-2)]).toEqual([1, 'restore refused: Invalid arguments:', expect.stringMatching(/^ {2}Unknown option '--frce'/)]);
    const forced = await runCli(RESTORE_CLI, [latest.name, '--force'], env);
    expect(forced.status).toBe(1);
    expect(forced.stderr).toMatch(/open connection[\s\S]*Stop the platform/);
    // Nothing was touched.
    expect((await send(platform!.gatewayUrl, MeDocument, {}, owner.accessToken)).data?.me?.id).toBe(owner.accountId);
    // Three runs of the CLI, each a process that loads the tools and opens the stores.
  }, 120_000);

  it('list complete backups only, newest first, and keep the newest BACKUP_KEEP', async () => {
    const [restoredFrom] = await listBackups(backupDir);
    // Left by backups that crashed: no manifest. The older one is abandoned; the newer may still be running.
    for (const name of ['2001-01-01T00-00-00-000Z', '2999-01-01T00-00-00-000Z']) fs.mkdirSync(path.join(backupDir, name, 'account'), { recursive: true });
    expect((await listBackups(backupDir)).map((backup) => backup.name)).toEqual([restoredFrom.name]);
    const second = await backUpHerck({ ...platform!.env, ...databases, BACKUP_KEEP: '2' }, logger);
    const third = await backUpHerck({ ...platform!.env, ...databases, BACKUP_KEEP: '2' }, logger);
    expect(second.pruned).toEqual(['2001-01-01T00-00-00-000Z']);
    expect(third.pruned).toEqual([restoredFrom.name]);
    const listed = await listBackups(backupDir);
    expect(listed.map((backup) => backup.name)).toEqual([third.name, second.name]);
    expect(listed[0]).toMatchObject({ databases: expect.arrayContaining(['account', 'bus']), bytes: expect.any(Number) });
    expect(listed[0].bytes).toBeGreaterThan(0);
    expect(fs.readdirSync(backupDir).sort()).toEqual([second.name, third.name, '2999-01-01T00-00-00-000Z'].sort());
    expect(await pruneBackups(backupDir, 1)).toEqual([second.name]);
  });
});
