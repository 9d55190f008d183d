import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  getNamedType,
  GraphQLField,
  GraphQLInputType,
  GraphQLNamedType,
  GraphQLObjectType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
} from 'graphql';
import { ReplayServer } from '../../subgraphs/market/test/providers/replay-server';
import { sendRaw } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { startRecordedProviders } from './support/recorded-providers';
import { eventually, logIn, signUp, SignedUpUser } from './support/users';

/** Fuzz probe: every root field with adversarial variables, as anonymous, USER and ADMIN. */
const ADMIN_EMAIL = 'fuzz-admin@example.com';
const ADMIN_PASSWORD = 'first-Admin-passphrase-42';
const OUT = process.env.FUZZ_OUT ?? '/tmp/audit/fuzz-results.jsonl';
const ONLY = process.env.FUZZ_ONLY ? process.env.FUZZ_ONLY.split(',') : undefined;

let providers: ReplayServer;
let platform: TestPlatform;
let admin: { accessToken: string; refreshToken: string };
let user: SignedUpUser;
const ctx: Record<string, string> = {};

beforeAll(async () => {
  const recorded = await startRecordedProviders();
  providers = recorded.server;
  platform = await startTestPlatform(
    { HERCK_ADMIN_EMAIL: ADMIN_EMAIL, HERCK_ADMIN_PASSWORD: ADMIN_PASSWORD, WEBHOOK_ALLOW_PRIVATE: 'true', ...recorded.env },
    { market: {}, analysis: {}, orders: {}, logs: {} },
  );
  const users = await Promise.all([signUp(platform), signUp(platform), signUp(platform), signUp(platform), signUp(platform), signUp(platform)]);
  user = users[0]!;
  ctx.victimDeact = users[1]!.accountId;
  ctx.victimDelete = users[2]!.accountId;
  ctx.victimRoles = users[3]!.accountId;
  ctx.victimLogin = users[4]!.username;
  ctx.victimAccount = users[5]!.accountId;
  admin = await logIn(platform, ADMIN_EMAIL, ADMIN_PASSWORD);
  await eventually(async () => Boolean(platform.orders!.prices.price('BTC') && platform.orders!.prices.rate('EUR', new Date())), 30_000);
  await eventually(async () => (await platform.analysis!.runtime.orm.em.fork().execute('SELECT 1 FROM symbols')).length >= 2, 30_000);
  const gql = async (query: string, variables: object, token = user.accessToken) => {
    const answer = await sendRaw<Record<string, any>>(platform.gatewayUrl, { query, variables }, token);
    if (answer.errors) throw new Error(`${query}: ${JSON.stringify(answer.errors)}`);
    return answer.data!;
  };
  const strategyInput = { name: 'fz', symbols: ['BTC'], indicators: [{ name: 'sma3', kind: 'SMA', period: 3 }], condition: 'price > 1.0' };
  const mkStrategy = async () => (await gql('mutation($i: CreateStrategyInput!) { createStrategy(input: $i) { strategy { id } } }', { i: strategyInput })).createStrategy.strategy.id;
  ctx.strategyA = await mkStrategy();
  ctx.strategyDel = await mkStrategy();
  const mkPortfolio = async (name: string) => (await gql('mutation($n: String!) { createPortfolio(name: $n) { id } }', { n: name })).createPortfolio.id;
  ctx.portfolioA = await mkPortfolio('fuzzA');
  ctx.portfolioDel = await mkPortfolio('fuzzDel');
  const addTx = async (input: object) => (await gql('mutation($p: ID!, $i: TransactionInput!) { addTransaction(portfolioId: $p, input: $i) { id } }', { p: ctx.portfolioA, i: input })).addTransaction.id;
  await addTx({ kind: 'DEPOSIT', quantity: '1000000000' });
  await addTx({ kind: 'BUY', symbol: 'BTC', quantity: '10', price: '100', currency: 'USD' });
  ctx.txDel = await addTx({ kind: 'DEPOSIT', quantity: '5' });
  ctx.orderA = (await gql('mutation($i: PlaceBuyOrderInput!) { placeBuyOrder(input: $i) { id } }', { i: { asset: 'BTC', currency: 'USD', amount: '10', idempotencyKey: randomUUID() } })).placeBuyOrder.id;
  await gql('mutation { trackAsset(symbol: "FZZ", name: "Fuzz coin") { symbol } }', {}, admin.accessToken);
  ctx.refreshThrowaway = (await logIn(platform, users[5]!.username, users[5]!.password)).refreshToken;
  fs.writeFileSync(OUT, '');
}, 180_000);

afterAll(async () => {
  await platform?.stop();
  await providers?.stop();
}, 60_000);

// ---------------------------------------------------------------- values

interface Case {
  desc: string;
  value: unknown;
}
const LONG = 'x'.repeat(10_000);
const now = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();

const GENERIC_STRINGS: Case[] = [
  { desc: 'empty', value: '' },
  { desc: 'spaces', value: '   ' },
  { desc: 'tab-newline', value: '\t\n' },
  { desc: '10k chars', value: LONG },
  { desc: 'emoji', value: '😀🚀' },
  { desc: 'combining', value: 'e\u0301\u0301\u0301' },
  { desc: 'RTL override', value: '\u202Eabc' },
  { desc: 'zero-width', value: 'a\u200Bb' },
  { desc: 'only ZWSP', value: '\u200B' },
  { desc: 'BOM', value: '\uFEFF' },
  { desc: 'NUL', value: 'a\u0000b' },
  { desc: 'lone surrogate', value: 'a\ud800' },
  { desc: 'sql-ish', value: "'; select pg_sleep(3); --" },
  { desc: 'like wildcards', value: '%_\\' },
  { desc: 'path', value: '../../etc/passwd' },
];
const derivedStrings = (b: string): Case[] => [
  { desc: 'base lower', value: b.toLowerCase() },
  { desc: 'base padded', value: ` ${b} ` },
  { desc: 'base+ZWSP', value: `${b}\u200B` },
  { desc: 'RTL+base', value: `\u202E${b}` },
  { desc: 'base+combining', value: `${b}\u0301` },
  { desc: 'base x 2000', value: b.repeat(Math.ceil(10_000 / Math.max(1, b.length))) },
];
const GENERIC_IDS: Case[] = [
  { desc: 'empty', value: '' },
  { desc: 'spaces', value: '  ' },
  { desc: 'not-uuid', value: 'not-a-uuid' },
  { desc: 'numeric', value: '1' },
  { desc: 'negative', value: '-1' },
  { desc: 'int literal', value: 2147483648 },
  { desc: 'nil uuid', value: '00000000-0000-0000-0000-000000000000' },
  { desc: 'max uuid', value: 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF' },
  { desc: 'random uuid', value: randomUUID() },
  { desc: '10k chars', value: LONG },
  { desc: 'emoji', value: '😀' },
  { desc: 'NUL', value: '\u0000' },
  { desc: 'sql-ish', value: "' OR 1=1 --" },
  { desc: 'uuid-like bad hex', value: 'gggggggg-gggg-gggg-gggg-gggggggggggg' },
];
const derivedIds = (t: string): Case[] => [
  { desc: 'target UPPER', value: t.toUpperCase() },
  { desc: 'target no dashes', value: t.replace(/-/g, '') },
  { desc: 'target braces', value: `{${t}}` },
  { desc: 'target padded', value: ` ${t} ` },
  { desc: 'target+ZWSP', value: `${t}\u200B` },
  { desc: 'target urn', value: `urn:uuid:${t}` },
];
const INTS: Case[] = [0, -1, 1, 2147483647, -2147483648, 2147483648, -2147483649, 1.5, 1e15, '5'].map((value) => ({ desc: `int ${JSON.stringify(value)}`, value }));
const FLOATS: Case[] = [0, -1, -0, 1e308, 5e-324, 2147483648, '2', 'NaN'].map((value) => ({ desc: `float ${JSON.stringify(value)}`, value }));
const DECIMALS: Case[] = ['1e400', '-0', '0x10', ' 5 ', 'NaN', 'Infinity', '-Infinity', '1,000', '', '   ', '0', '-1', '1e-400', '0.000000000000000000000000001', '9'.repeat(10_000), '1.005', '1e2', '+5', '.5', '5.', '0b11', '1_000', '١٢٣', '５', 5, 5.5, 1e21, true]
  .map((value) => ({ desc: `dec ${JSON.stringify(value).slice(0, 30)}`, value }));
const DATETIMES: Case[] = [
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '2026-02-30T00:00:00Z',
  '2026-01-01',
  '2026-01-01T00:00:00+14:00',
  '2026-01-01T00:00:00-12:00',
  '2026-01-01T00:00:00+15:00',
  '2026-01-01T00:00:00',
  '2026-01-01T24:00:00Z',
  '2026-01-01T23:59:60Z',
  '+275760-09-13T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '1970-01-01T00:00:00Z',
  '2026-01-01T00:00:00.123456789Z',
  '2026-01-01t00:00:00z',
  '',
  'now',
  0,
  now,
  iso(now + 365 * 86_400_000),
].map((value) => ({ desc: `dt ${JSON.stringify(value)}`, value }));
const BOOLS: Case[] = [{ desc: 'bool "true"', value: 'true' }, { desc: 'bool 1', value: 1 }];

function advs(type: GraphQLInputType, base: unknown, idTarget?: string, depth = 0): Case[] {
  const out: Case[] = [];
  let t = type;
  if (isNonNullType(t)) t = t.ofType;
  else out.push({ desc: 'null', value: null });
  if (isListType(t)) {
    const elemType = t.ofType as GraphQLInputType;
    const b0 = Array.isArray(base) && base.length ? base[0] : sample(elemType, idTarget);
    out.push({ desc: 'list empty', value: [] }, { desc: 'list dup', value: [b0, b0] }, { desc: 'list 10k', value: Array.from({ length: 10_000 }, () => b0) });
    if (isNonNullType(elemType) || true) out.push({ desc: 'list [null]', value: [null] });
    for (const e of advs(elemType, b0, idTarget, depth + 1)) if (e.desc !== 'null') out.push({ desc: `[${e.desc}]`, value: [e.value] });
    return out;
  }
  if (isInputObjectType(t)) {
    const b = (base && typeof base === 'object' ? base : {}) as Record<string, unknown>;
    out.push({ desc: '{}', value: {} });
    for (const f of Object.values(t.getFields())) {
      for (const e of advs(f.type, b[f.name], idTarget, depth + 1)) out.push({ desc: `${f.name}=${e.desc}`, value: { ...b, [f.name]: e.value } });
    }
    return out;
  }
  if (isEnumType(t)) {
    const first = t.getValues()[0]!.name;
    out.push({ desc: 'enum NOPE', value: 'NOPE' }, { desc: 'enum lower', value: first.toLowerCase() }, { desc: 'enum empty', value: '' });
    return out;
  }
  switch (t.name) {
    case 'String':
      out.push(...GENERIC_STRINGS, ...(typeof base === 'string' && base ? derivedStrings(base) : []));
      break;
    case 'ID':
      out.push(...GENERIC_IDS, ...(idTarget ? derivedIds(idTarget) : []));
      break;
    case 'Int':
      out.push(...INTS);
      break;
    case 'Float':
      out.push(...FLOATS);
      break;
    case 'Decimal':
      out.push(...DECIMALS);
      break;
    case 'DateTime':
      out.push(...DATETIMES);
      break;
    case 'Boolean':
      out.push(...BOOLS);
      break;
    default:
      break;
  }
  return out;
}

function sample(type: GraphQLInputType, idTarget?: string): unknown {
  const n = getNamedType(type);
  if (n.name === 'ID') return idTarget ?? randomUUID();
  if (n.name === 'String') return 'BTC';
  if (isEnumType(n)) return n.getValues()[0]!.name;
  return null;
}

// ------------------------------------------------------- base arguments

const hourAgo = iso(now - 3_600_000);
const dayAgo = iso(now - 86_400_000);
const soon = iso(now + 60_000);
const csv = 'time,open,high,low,close,volume\n2025-01-01T00:00:00Z,1,2,0.5,1.5,10';

type Base = Record<string, unknown>;
const bases = (): Record<string, { args: Base; ids?: Record<string, string> }> => ({
  account: { args: { id: user.accountId }, ids: { id: user.accountId } },
  strategy: { args: { id: ctx.strategyA }, ids: { id: ctx.strategyA } },
  validateCondition: { args: { indicators: [{ name: 'sma3', kind: 'SMA', period: 3 }], condition: 'price > 1.0' } },
  backtestStrategy: { args: { id: ctx.strategyA, from: dayAgo, to: iso(Date.now()) }, ids: { id: ctx.strategyA } },
  webhookDeliveries: { args: { strategyId: ctx.strategyA }, ids: { strategyId: ctx.strategyA } },
  portfolio: { args: { id: ctx.portfolioA }, ids: { id: ctx.portfolioA } },
  transactions: { args: { portfolioId: ctx.portfolioA }, ids: { portfolioId: ctx.portfolioA } },
  logStats: { args: { bucket: 'HOUR', from: dayAgo, to: soon } },
  serviceStatusHistory: { args: { service: 'market', from: hourAgo, to: soon } },
  asset: { args: { symbol: 'BTC' } },
  candles: { args: { symbol: 'BTC', interval: 'M1' } },
  ticks: { args: { symbol: 'BTC' } },
  order: { args: { id: ctx.orderA }, ids: { id: ctx.orderA } },
  orderStatistics: { args: { period: 'DAY', from: dayAgo, to: soon } },
  updateAccount: { args: { input: { firstName: 'Fuzz' } }, ids: { id: user.accountId } },
  deactivateAccount: { args: { id: ctx.victimDeact }, ids: { id: ctx.victimDeact } },
  reactivateAccount: { args: { id: ctx.victimDeact }, ids: { id: ctx.victimDeact } },
  deleteAccount: { args: { id: ctx.victimDelete }, ids: { id: ctx.victimDelete } },
  register: { args: { input: { username: `fz${randomUUID().slice(0, 8)}`, email: `fz${randomUUID().slice(0, 8)}@example.com`, firstName: 'Ada', lastName: 'Lovelace' } } },
  resendConfirmation: { args: { email: 'nobody@example.com' } },
  requestPasswordReset: { args: { email: 'nobody@example.com' } },
  confirmEmail: { args: { token: 'x' } },
  createStrategy: { args: { input: { name: 'fz', symbols: ['BTC'], indicators: [{ name: 'sma3', kind: 'SMA', period: 3 }], condition: 'price > 1.0', channels: { inApp: true, email: false, webhookUrl: 'https://example.com/hook' } } } },
  updateStrategy: { args: { id: ctx.strategyA, input: { name: 'fz2' } }, ids: { id: ctx.strategyA } },
  deleteStrategy: { args: { id: ctx.strategyDel }, ids: { id: ctx.strategyDel } },
  setStrategyEnabled: { args: { id: ctx.strategyA, enabled: true }, ids: { id: ctx.strategyA } },
  acknowledgeAlerts: { args: { ids: [randomUUID()] } },
  markNotificationsRead: { args: { ids: [randomUUID()] } },
  createPortfolio: { args: { name: 'fz' } },
  renamePortfolio: { args: { id: ctx.portfolioA, name: 'fuzzA' }, ids: { id: ctx.portfolioA } },
  deletePortfolio: { args: { id: ctx.portfolioDel }, ids: { id: ctx.portfolioDel } },
  addTransaction: { args: { portfolioId: ctx.portfolioA, input: { kind: 'BUY', symbol: 'BTC', quantity: '0.001', price: '100', currency: 'USD', fee: '0', time: '2026-01-01T00:00:00Z', note: 'n' } }, ids: { portfolioId: ctx.portfolioA } },
  deleteTransaction: { args: { id: ctx.txDel }, ids: { id: ctx.txDel } },
  setPassword: { args: { token: 'x', password: 'plum-Orbit-7-lantern-Quiet' } },
  setRoles: { args: { accountId: ctx.victimRoles, roles: ['USER'] }, ids: { accountId: ctx.victimRoles } },
  login: { args: { usernameOrEmail: ctx.victimLogin, password: 'plum-Orbit-7-lantern-Quiet' } },
  refreshToken: { args: { token: 'x' } },
  logout: { args: { refreshToken: ctx.refreshThrowaway } },
  deleteLogs: { args: { filter: { services: ['no-such-service'] } } },
  trackAsset: { args: { symbol: 'FZZ', name: 'Fuzz coin' } },
  untrackAsset: { args: { symbol: 'FZZ' } },
  importCandles: { args: { symbol: 'BTC', interval: 'H1', csv } },
  setProviderEnabled: { args: { name: 'coingecko', enabled: true } },
  placeBuyOrder: { args: { input: { asset: 'BTC', currency: 'USD', amount: '10', idempotencyKey: 'KEY' } } },
});

// --------------------------------------------------------- selections

function selection(type: GraphQLNamedType, depth: number): string {
  if (isLeafType(type)) return '';
  if (isUnionType(type) || depth > 2) return '{ __typename }';
  if (!isObjectType(type) && !isInterfaceType(type)) return '{ __typename }';
  const parts: string[] = ['__typename'];
  for (const f of Object.values((type as GraphQLObjectType).getFields())) {
    if (f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) continue;
    const named = getNamedType(f.type);
    if (isLeafType(named)) parts.push(f.name);
    else if (depth < 2 && !['owner', 'asset', 'global'].includes(f.name)) parts.push(`${f.name} ${selection(named, depth + 1)}`);
  }
  return `{ ${parts.join(' ')} }`;
}

function documentFor(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>): string {
  const vars = field.args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const args = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const sel = selection(getNamedType(field.type), 0);
  return `${kind} Fuzz${vars ? `(${vars})` : ''} { ${field.name}${args ? `(${args})` : ''} ${sel} }`;
}

// ------------------------------------------------------- snapshots

const snapshots: Record<string, { query: string; token: () => string }> = {
  strategy: { query: '{ strategies(first: 100) { nodes { id name symbols interval condition trigger cooldownSeconds enabled indicators { name kind period } channels { inApp email webhookUrl } } } }', token: () => user.accessToken },
  portfolio: { query: '{ portfolios { id name baseCurrency costBasisMethod } p: transactions(portfolioId: "PA", first: 1000) { nodes { id kind symbol quantity price currency fee time note } } }', token: () => user.accessToken },
  orders: { query: '{ orders(first: 1) { totalCount } }', token: () => user.accessToken },
  accounts: { query: '{ accounts(first: 1000) { totalCount nodes { id username firstName lastName status roles } } }', token: () => admin.accessToken },
  assets: { query: '{ assets(first: 1000) { nodes { symbol name } } c: candles(symbol: "BTC", interval: H1, first: 1000) { nodes { openTime open close } } }', token: () => admin.accessToken },
  providers: { query: '{ marketProviders { name enabled priority } }', token: () => admin.accessToken },
};
const snapshotOf: Record<string, string> = {
  createStrategy: 'strategy', updateStrategy: 'strategy', deleteStrategy: 'strategy', setStrategyEnabled: 'strategy',
  createPortfolio: 'portfolio', renamePortfolio: 'portfolio', deletePortfolio: 'portfolio', addTransaction: 'portfolio', deleteTransaction: 'portfolio',
  placeBuyOrder: 'orders',
  updateAccount: 'accounts', deactivateAccount: 'accounts', reactivateAccount: 'accounts', deleteAccount: 'accounts', setRoles: 'accounts', register: 'accounts',
  trackAsset: 'assets', untrackAsset: 'assets', importCandles: 'assets',
  setProviderEnabled: 'providers',
};
async function snapshot(name: string): Promise<string> {
  const s = snapshots[name]!;
  const answer = await sendRaw(platform.gatewayUrl, { query: s.query.replace('"PA"', JSON.stringify(ctx.portfolioA)) }, s.token());
  return JSON.stringify(answer.data ?? answer.errors);
}

// ------------------------------------------------------------- run

function short(value: unknown): string {
  const text = JSON.stringify(value, (_k, v) => (typeof v === 'string' && v.length > 60 ? `${v.slice(0, 20)}…(${v.length})` : Array.isArray(v) && v.length > 5 ? [`…${v.length} items of`, v[0]] : v));
  return text && text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

async function pool<T>(items: T[], size: number, work: (item: T) => Promise<void>) {
  let i = 0;
  await Promise.all(Array.from({ length: size }, async () => {
    while (i < items.length) await work(items[i++]!);
  }));
}

it('fuzzes every root field', async () => {
  const schema = buildSchema(fs.readFileSync(path.join(__dirname, '../../schema/api.graphql'), 'utf8'), { assumeValidSDL: true });
  const roles: Record<string, () => string | undefined> = { anonymous: () => undefined, USER: () => user.accessToken, ADMIN: () => admin.accessToken };
  const out = fs.openSync(OUT, 'a');
  const record = (row: object) => fs.writeSync(out, `${JSON.stringify(row)}\n`);
  for (const kind of ['query', 'mutation'] as const) {
    const root = kind === 'query' ? schema.getQueryType()! : schema.getMutationType()!;
    const jobs: { role: string; field: string; arg: string; c: Case; doc: string }[] = [];
    const b = bases();
    for (const field of Object.values(root.getFields())) {
      if (ONLY && !ONLY.includes(field.name)) continue;
      const doc = documentFor(kind, field);
      for (const role of Object.keys(roles)) {
        for (const arg of field.args) {
          const base = b[field.name]?.args[arg.name];
          for (const c of advs(arg.type, base, b[field.name]?.ids?.[arg.name])) {
            if (field.name === 'logout' && c.value == null) continue;
            jobs.push({ role, field: field.name, arg: arg.name, c, doc });
          }
        }
        if (field.args.length === 0) jobs.push({ role, field: field.name, arg: '-', c: { desc: 'no args', value: undefined }, doc });
      }
    }
    const runJob = async (job: (typeof jobs)[number]) => {
      const fieldBase = bases()[job.field]?.args ?? {};
      const variables: Record<string, unknown> = { ...fieldBase };
      if (job.arg !== '-') variables[job.arg] = job.c.value;
      if (job.field === 'placeBuyOrder') {
        const input = variables.input as Record<string, unknown>;
        if (input && typeof input === 'object' && input.idempotencyKey === 'KEY') variables.input = { ...input, idempotencyKey: randomUUID() };
      }
      if (job.field === 'register') {
        const input = variables.input as Record<string, unknown>;
        const fresh = randomUUID().slice(0, 8);
        if (input && typeof input === 'object') variables.input = { ...input, ...(job.c.desc.startsWith('username=') ? {} : { username: `fz${fresh}` }), ...(job.c.desc.startsWith('email=') ? {} : { email: `fz${fresh}@example.com` }) };
      }
      const snap = kind === 'mutation' ? snapshotOf[job.field] : undefined;
      const before = snap ? await snapshot(snap) : undefined;
      const started = performance.now();
      let status = 0;
      let errors: any[] | undefined;
      let data: unknown;
      let failure: string | undefined;
      try {
        const answer = await sendRaw(platform.gatewayUrl, { query: job.doc, variables }, roles[job.role]!());
        status = answer.status;
        errors = answer.errors as any[] | undefined;
        data = answer.data;
      } catch (error) {
        failure = String(error);
      }
      const ms = Math.round(performance.now() - started);
      let changed: string | undefined;
      if (snap && errors?.length) {
        const after = await snapshot(snap);
        if (after !== before) changed = `${before!.slice(0, 1500)}\n=>\n${after.slice(0, 1500)}`;
      }
      record({
        kind, role: job.role, field: job.field, arg: job.arg, desc: job.c.desc, value: short(job.c.value), status, ms, failure, changed,
        errors: errors?.map((e) => ({ code: e.extensions?.code, field: e.extensions?.field, path: e.path, message: String(e.message).slice(0, 500), ext: short(e.extensions).slice(0, 300) })),
        data: short(data)?.slice(0, 300),
      });
    };
    jobs.sort((a, b) => Number(a.field === 'logout') - Number(b.field === 'logout'));
    if (kind === 'query') await pool(jobs, 2, runJob);
    else for (const job of jobs) await runJob(job);
  }
  fs.closeSync(out);
}, 3_000_000);
