import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { print } from 'graphql';
import { INTERNAL_TOKEN_HEADER, Role } from '@herck/common';
import { CreatePortfolioDocument, CreateStrategyDocument, logIn, MarketSnapshotDocument, PlaceBuyOrderDocument, send, sendRaw, signUp, STRONG_PASSWORD } from '@herck/tools/test-support';
import { freePort, ProcessSampler, ProcessUsage, ServiceProcess } from './bench-processes';
import { percentile } from './timing';
import { atCleanUp, runBench, startBenchPlatform } from './bench-platform';
import type { LoadResult, LoadSpec } from './http-load';

/**
 * Gateway speed (issue 11): the same operations under the same load through
 * (a) stock @apollo/gateway in stock Apollo Server, (b) our gateway (sign-in,
 * session check, role checks, operation limits and rate limits all on) and
 * (c) straight to the subgraph where an operation has one. The subgraphs, both
 * gateways and the load generator are processes of their own; CPU and RSS are
 * read from /proc for the process under test. Throughput is measured as fast
 * as each target answers; the gateways' CPU per request (per-core throughput)
 * at one fixed rate both sustain, so neither pays for the other's saturation.
 * One `gateway-bench` line per measurement, `key=value` pairs, for scripts.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 5_000);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 100_000);
const STRATEGIES = Number(process.env.BENCH_STRATEGIES ?? 5_000);
const HOP_REQUESTS = 5_000;
/** Requests sent first so the subgraph's hot paths are compiled before anything is timed. */
const HOP_WARMUP = 3_000;
/** The fixed rate at which the two gateways' CPU per request is compared, as a share of the slower one's throughput. */
const FIXED_RATE_SHARE = 0.6;
/** A comma-separated subset of the operations below, to measure only those. */
const ONLY = process.env.BENCH_ONLY?.split(',');

const NESTED = `query BenchNested {
  me { username roles orders(first: 20) { nodes { quantity amount asset { name latestTick { price global { btcDominance } } } } } }
  portfolios { id name baseCurrency }
}`;
const SNAPSHOT = print(MarketSnapshotDocument);
const PLACE_ORDER = print(PlaceBuyOrderDocument);

interface Operation {
  name: string;
  body: string;
  /** The subgraph that answers it alone, if one does. */
  direct?: string;
}

const line = (fields: Record<string, string | number>) =>
  console.log(`gateway-bench ${Object.entries(fields).map(([key, value]) => `${key}=${typeof value === 'number' ? round(value) : value}`).join(' ')}`);
const round = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 3 : 1));

async function main(): Promise<void> {
  // Limits stay on for our gateway; the user's budget is set out of reach so the bench measures, not refuses.
  const platform = await startBenchPlatform({ RATE_LIMIT_USER_PER_MINUTE: '1000000000', MARKET_INTERVAL_SECONDS: '5' });
  const user = await signUp(platform);
  const identity = { accountId: user.accountId, roles: ['USER'] as Role[] };

  console.log(`seeding: the bench user's orders, portfolios and strategies; ${ACCOUNTS} accounts, ${ORDERS} orders, ${STRATEGIES} strategies of others`);
  await seedUser(platform.gatewayUrl, user.accessToken);
  await seedOthers(platform.databaseUrl.bind(platform), user.accountId);

  // Per hop, before any load: one request at a time straight to a subgraph, timed here below the millisecond.
  const accountHeaders = { [INTERNAL_TOKEN_HEADER]: platform.signer.sign(identity, 'account') };
  const trivial = await sequential(platform.subgraphUrl('account'), JSON.stringify({ query: '{ __typename }' }), accountHeaders);
  line({ op: 'hop-trivial', target: 'account', p50_ms: percentile(trivial, 50), p99_ms: percentile(trivial, 99) });
  const byKey = await sequential(platform.subgraphUrl('account'), JSON.stringify({ query: 'query ($id: ID!) { account(id: $id) { id username } }', variables: { id: user.accountId } }), accountHeaders);
  line({ op: 'hop-primary-key', target: 'account', p50_ms: percentile(byKey, 50), p99_ms: percentile(byKey, 99) });

  const stockPort = await freePort();
  const stock = await startStockGateway(platform.env, stockPort, user.accountId);
  const stockUrl = `http://127.0.0.1:${stockPort}/graphql`;

  const operations: Operation[] = [
    { name: 'typename', body: JSON.stringify({ query: '{ __typename }' }), direct: 'account' },
    { name: 'marketSnapshot', body: JSON.stringify({ query: SNAPSHOT, variables: { symbols: ['BTC', 'ETH', 'SOL'] } }), direct: 'market' },
    { name: 'nested', body: JSON.stringify({ query: NESTED }) },
    {
      name: 'placeBuyOrder',
      body: JSON.stringify({ query: PLACE_ORDER, variables: { input: { asset: 'BTC', currency: 'EUR', amount: '10.00', idempotencyKey: '__UUID__' } } }),
      direct: 'orders',
    },
  ];
  console.log(`${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up then ${SECONDS} s per run; ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}`);

  const elsewhere: Record<string, number> = Object.fromEntries(Object.entries(platform.services).map(([name, service]) => [name, service.pid]));
  if (platform.postmasterPid) elsewhere.postgres = platform.postmasterPid;
  for (const operation of operations.filter(({ name }) => !ONLY || ONLY.includes(name))) {
    const token = (await logIn(platform, user.username, STRONG_PASSWORD)).accessToken;
    const targets: { target: string; url: string; headers: () => Record<string, string>; pid: number }[] = [
      { target: 'stock', url: stockUrl, headers: () => ({}), pid: stock.pid },
      { target: 'ours', url: platform.gatewayUrl, headers: () => ({ authorization: `Bearer ${token}` }), pid: platform.gateway.pid },
    ];
    if (operation.direct) {
      const subgraph = operation.direct;
      targets.push({
        target: 'direct',
        url: platform.subgraphUrl(subgraph),
        headers: () => ({ [INTERNAL_TOKEN_HEADER]: platform.signer.sign(identity, subgraph) }),
        pid: platform.services[subgraph]!.pid,
      });
    }
    const results: Record<string, Measured> = {};
    for (const { target, url, headers, pid } of targets) {
      await expectAnswer(url, operation.body, headers());
      results[target] = await measure({ url, body: operation.body, headers: headers(), connections: CONNECTIONS, warmupSeconds: WARMUP_SECONDS, seconds: SECONDS }, pid, elsewhere);
      report(operation.name, target, results[target]);
    }
    // CPU per request compared under the same load: both gateways at one fixed rate that neither saturates.
    const rate = Math.max(1, Math.floor(FIXED_RATE_SHARE * Math.min(results.stock!.load.requestsPerSecond, results.ours!.load.requestsPerSecond)));
    const atRate: Record<string, Measured> = {};
    for (const { target, url, headers, pid } of targets.filter(({ target }) => target !== 'direct')) {
      atRate[target] = await measure({ url, body: operation.body, headers: headers(), connections: CONNECTIONS, warmupSeconds: WARMUP_SECONDS, seconds: SECONDS, rate }, pid);
      report(operation.name, `${target}@${rate}rps`, atRate[target]);
    }
    line({
      op: operation.name,
      ratio: 'ours/stock',
      throughput: results.ours!.load.requestsPerSecond / results.stock!.load.requestsPerSecond,
      per_core_throughput: cpuPerRequest(atRate.stock!) / cpuPerRequest(atRate.ours!),
    });
    if (results.direct) line({ op: operation.name, ratio: 'ours/direct', p50: results.ours!.load.p50Ms / results.direct.load.p50Ms, p99: results.ours!.load.p99Ms / results.direct.load.p99Ms });
  }
}

interface Measured {
  load: LoadResult;
  usage: ProcessUsage;
  /** The other processes sampled over the same span, by name. */
  others: Record<string, ProcessUsage>;
}

/** The process's CPU time per request answered, in ms. */
const cpuPerRequest = ({ load, usage }: Measured) => (usage.cpuSeconds * 1000) / Math.max(load.requests, 1);

function report(op: string, target: string, measured: Measured): void {
  const { load, usage } = measured;
  line({
    op,
    target,
    rps: load.requestsPerSecond,
    p50_ms: load.p50Ms,
    p99_ms: load.p99Ms,
    cpu_ms_per_request: cpuPerRequest(measured),
    kernel_share: usage.systemSeconds / Math.max(usage.cpuSeconds, 0.01),
    requests_per_cpu_second: 1000 / Math.max(cpuPerRequest(measured), 0.001),
    rss_mb: usage.maxRssMb,
    failures: load.failures,
  });
  // Where the rest of the machine's CPU went: the two cores are shared, so a cheaper gateway answers more only while they have time left.
  if (Object.keys(measured.others).length) {
    const perRequest = (seconds: number) => (seconds * 1000) / Math.max(load.requests, 1);
    const others = Object.entries(measured.others);
    line({ op, target, cpu_ms_per_request_elsewhere: 'by_process', ...Object.fromEntries(others.map(([name, other]) => [name, perRequest(other.cpuSeconds)])) });
    line({ op, target, kernel_cpu_ms_per_request_elsewhere: 'by_process', ...Object.fromEntries(others.map(([name, other]) => [name, perRequest(other.systemSeconds)])) });
  }
}

/** Twenty orders, two portfolios and a strategy for the bench user, through the gateway. */
async function seedUser(gatewayUrl: string, accessToken: string): Promise<void> {
  // The orders subgraph prices from market's ticks: the first ones arrive within a round or two.
  const deadline = Date.now() + 60_000;
  for (let placed = 0; placed < 20; ) {
    const answer = await send(gatewayUrl, PlaceBuyOrderDocument, { input: { asset: placed % 2 ? 'ETH' : 'BTC', currency: 'EUR', amount: '100.00', idempotencyKey: randomUUID() } }, accessToken);
    if (answer.data?.placeBuyOrder) placed += 1;
    else if (Date.now() > deadline) throw new Error(`placeBuyOrder: ${JSON.stringify(answer.errors)}`);
    else await new Promise((resolve) => setTimeout(resolve, 500));
  }
  for (const name of ['Long term', 'Trading']) {
    const created = await send(gatewayUrl, CreatePortfolioDocument, { name }, accessToken);
    if (created.errors) throw new Error(`createPortfolio: ${JSON.stringify(created.errors)}`);
  }
  const strategy = await send(
    gatewayUrl,
    CreateStrategyDocument,
    { input: { name: 'Breakout', symbols: ['BTC'], interval: 'M1', indicators: [], condition: 'price > 1000000.0', trigger: 'ON_CROSS', cooldownSeconds: 0, channels: { inApp: true, email: false, webhookUrl: null } } },
    accessToken,
  );
  if (strategy.errors) throw new Error(`createStrategy: ${JSON.stringify(strategy.errors)}`);
}

/** Other accounts' rows, copied from the bench user's own in SQL: realistic table and index sizes, quickly. */
async function seedOthers(databaseUrl: (subgraph: string) => string, accountId: string): Promise<void> {
  // Each copy is the template row as JSON with its keys replaced, turned back into a row of the same table.
  const copies = async (subgraph: string, table: string, template: string, count: number, replaced: string) => {
    const client = new pg.Client({ connectionString: databaseUrl(subgraph) });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO ${table} SELECT (jsonb_populate_record(NULL::${table}, to_jsonb(t) || ${replaced})).*
           FROM (SELECT * FROM ${table} WHERE ${template} LIMIT 1) t, generate_series(1, $1) AS n`,
        [count],
      );
      await client.query(`ANALYZE ${table}`);
    } finally {
      await client.end();
    }
  };
  const owner = `(md5('owner' || (n % ${ACCOUNTS}))::uuid)`;
  await copies('account', 'accounts', `id = '${accountId}'`, ACCOUNTS, `jsonb_build_object('id', md5('owner' || n)::uuid, 'username', 'seed' || n, 'email', 'seed' || n || '@example.com')`);
  await copies('orders', 'orders', `owner_id = '${accountId}'`, ORDERS, `jsonb_build_object('id', gen_random_uuid(), 'owner_id', ${owner}, 'idempotency_key', 'seed-' || n)`);
  await copies('analysis', 'strategies', `owner_id = '${accountId}'`, STRATEGIES, `jsonb_build_object('id', gen_random_uuid(), 'owner_id', ${owner})`);
}

/** Stock @apollo/gateway on `port`, for the bench user; ready once it answers a query. */
async function startStockGateway(env: NodeJS.ProcessEnv, port: number, accountId: string): Promise<ServiceProcess> {
  const stock = new ServiceProcess('stock-gateway', path.join(__dirname, 'stock-gateway.js'), { ...env, STOCK_GATEWAY_PORT: String(port), BENCH_ACCOUNT_ID: accountId });
  atCleanUp(() => stock.stop());
  const url = `http://127.0.0.1:${port}/graphql`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!stock.running) throw new Error('the stock gateway exited during start-up');
    const answered = await sendRaw(url, { query: '{ __typename }' }).then((answer) => answer.data !== undefined).catch(() => false);
    if (answered) return stock;
    if (Date.now() > deadline) throw new Error('the stock gateway did not start');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Fails the bench unless the target answers the operation with data and no error. */
async function expectAnswer(url: string, body: string, headers: Record<string, string>): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: body.replaceAll('__UUID__', randomUUID()) });
  const answer = (await response.json()) as { data?: unknown; errors?: unknown };
  if (!response.ok || answer.errors || !answer.data) throw new Error(`${url} answered ${response.status}: ${JSON.stringify(answer)}`);
}

/**
 * Runs the load generator in a child process; the target's CPU is sampled from the end of the
 * warm-up, and so is that of the `others` (the subgraphs, PostgreSQL), which share its cores.
 */
function measure(spec: LoadSpec, pid: number, others: Record<string, number> = {}): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const sampler = new ProcessSampler(pid);
    const otherSamplers = Object.entries(others).map(([name, otherPid]) => [name, new ProcessSampler(otherPid)] as const);
    const child = fork(path.join(__dirname, 'http-load.js'), [JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('message', (message) => {
      if (message !== 'measuring') return;
      sampler.start();
      for (const [, other] of otherSamplers) other.start();
    });
    child.once('exit', (code) => {
      const usage = sampler.stop();
      const othersUsage = Object.fromEntries(otherSamplers.map(([name, other]) => [name, other.stop()]));
      if (code !== 0) reject(new Error(`the load generator exited with ${code}`));
      else resolve({ load: JSON.parse(output.trim().split('\n').pop()!) as LoadResult, usage, others: othersUsage });
    });
  });
}

/** HOP_REQUESTS requests one after the other on one kept-alive connection; their times in ms, sorted. */
async function sequential(url: string, body: string, headers: Record<string, string>): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(url);
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const request = http.request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => (response.statusCode === 200 && !text.includes('"errors"') ? resolve() : reject(new Error(`${url}: ${response.statusCode} ${text}`))));
        },
      );
      request.once('error', reject);
      request.end(body);
    });
  try {
    for (let i = 0; i < HOP_WARMUP; i += 1) await once();
    const times: number[] = [];
    for (let i = 0; i < HOP_REQUESTS; i += 1) {
      const start = performance.now();
      await once();
      times.push(performance.now() - start);
    }
    return times.sort((a, b) => a - b);
  } finally {
    agent.destroy();
  }
}

runBench(main);
