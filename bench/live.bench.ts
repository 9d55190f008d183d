import { createPrivateKey, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropDatabase, InternalTokenSigner, INTERNAL_TOKEN_HEADER, repositoryRoot, RunningPostgres, signingKeyFrom, startEmbeddedPostgres, SUBGRAPHS } from '@herck/common';
import { ConfirmEmailDocument, LoginDocument, RegisterDocument, send, SetPasswordDocument, SmtpMailbox, STRONG_PASSWORD, tokenInLink } from '@herck/tools/test-support';
import { CrowdResult, freePort, percentile, ProcessSampler, ProcessUsage, runCrowd, ServiceProcess } from './live-clients';

/**
 * Live speed (issue 7, "Speed"): BENCH_CLIENTS graphql-ws clients, each
 * subscribed to every symbol's ticks, one round per second, for BENCH_SECONDS;
 * first through the gateway, then directly against the market subgraph (with
 * the gateway's internal token). The services run as child processes, as
 * `npm start` runs them, so their RSS and CPU are their own; the clients run here.
 */
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const QUERY = 'subscription { ticks { symbol price time } }';

const TARGET_P99_MS = 20;
const TARGET_RATIO = 1.3;
const TARGET_RSS_MB = 250;

const script = (workspace: string) => path.join(repositoryRoot(), workspace, 'dist', 'src', 'main.js');

/** Undone in reverse order at the end, also after a failure or a signal. */
const cleanups: (() => Promise<unknown> | unknown)[] = [];
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  return (cleaning ??= (async () => {
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (error) {
        console.error('clean-up step failed:', error);
      }
    }
  })());
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-bench-live-'));
  fs.chmodSync(dir, 0o755);
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));

  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const embedded: RunningPostgres = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: 5470 + Math.floor(Math.random() * 100) });
    cleanups.push(() => embedded.stop());
    serverUrl = embedded.url;
  }

  const mailbox = new SmtpMailbox();
  const smtpUrl = await mailbox.start();
  cleanups.push(() => mailbox.stop());

  const prefix = `bench_${randomBytes(4).toString('hex')}`;
  const databases: Record<string, string> = { BUS_DATABASE_NAME: `${prefix}_bus` };
  for (const { name } of SUBGRAPHS) databases[`${name.toUpperCase()}_DATABASE_NAME`] = `${prefix}_${name}`;
  const url = serverUrl;
  cleanups.push(async () => {
    for (const name of Object.values(databases)) await dropDatabase(url, name);
  });

  const ports: Record<string, number> = {};
  for (const name of [...SUBGRAPHS.map((subgraph) => subgraph.name), 'gateway']) ports[name] = await freePort();
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    HERCK_DATA_DIR: dataDir,
    DATABASE_URL: serverUrl,
    ...databases,
    ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [`${name.toUpperCase()}_PORT`, String(port)])),
    SMTP_URL: smtpUrl,
    MAIL_REQUESTS_PER_CLIENT_PER_HOUR: '10000',
    MARKET_INTERVAL_SECONDS: '1',
    // Every bench client is the same account.
    WS_MAX_CONNECTIONS_PER_ACCOUNT: String(CLIENTS + 100),
    // Every client subscribes as the same user: its operation budget must not be what is measured.
    RATE_LIMIT_USER_PER_MINUTE: '0',
  };

  // Subgraphs first (each creates its databases), then the gateway; stopped in reverse order.
  const launch = async (name: string, workspace: string) => {
    const child = new ServiceProcess(name, script(workspace), env);
    cleanups.push(() => child.stop());
    await child.waitUntilReady(`http://127.0.0.1:${ports[name]}/readyz`);
    return child;
  };
  const [, , market] = await Promise.all(SUBGRAPHS.map(({ name, workspace }) => launch(name, workspace)));
  const gateway = await launch('gateway', 'gateway');
  const gatewayUrl = `http://127.0.0.1:${ports.gateway}/graphql`;
  const marketUrl = `http://127.0.0.1:${ports.market}/graphql`;

  const accessToken = await signUp(gatewayUrl, mailbox);
  const keyFile = path.join(dataDir, 'keys', 'internal-token.pem');
  const signer = new InternalTokenSigner(signingKeyFrom(createPrivateKey(fs.readFileSync(keyFile, 'utf8'))));

  console.log(`${CLIENTS} graphql-ws clients × all symbols' ticks, one round per second, ${SECONDS} s per run (${os.cpus().length} CPUs, Node ${process.version})`);

  const run = async (name: string, wsUrl: string, connectionParams: () => Record<string, unknown>, pid: number) => {
    const sampler = new ProcessSampler(pid);
    let usage: ProcessUsage | undefined;
    const result = await runCrowd({ url: wsUrl, clients: CLIENTS, query: QUERY, connectionParams }, SECONDS, {
      start: () => sampler.start(),
      stop: () => (usage = sampler.stop()),
    });
    report(name, result, usage!);
    return { result, usage: usage! };
  };

  const viaGateway = await run('via gateway', gatewayUrl.replace(/^http/, 'ws'), () => ({ Authorization: `Bearer ${accessToken}` }), gateway.pid);
  const direct = await run('direct to market', marketUrl.replace(/^http/, 'ws'), () => ({ [INTERNAL_TOKEN_HEADER]: signer.sign({ accountId: randomUUID(), roles: ['USER'] }, 'market') }), market.pid);

  const p50Ratio = percentile(viaGateway.result.latencies, 50) / percentile(direct.result.latencies, 50);
  const p99Ratio = percentile(viaGateway.result.latencies, 99) / percentile(direct.result.latencies, 99);
  console.log(`\nlatency gateway / direct: p50 ${p50Ratio.toFixed(2)}   p99 ${p99Ratio.toFixed(2)}   (target p99 ≤ ${TARGET_RATIO}× direct)`);
  console.log(
    `targets: p99 via gateway ${percentile(viaGateway.result.latencies, 99).toFixed(1)} ms (≤ ${TARGET_P99_MS} ms), ` +
      `ratio ${p99Ratio.toFixed(2)} (≤ ${TARGET_RATIO}), gateway RSS ${viaGateway.usage.maxRssMb.toFixed(0)} MB (≤ ${TARGET_RSS_MB} MB)`,
  );
}

function report(name: string, result: CrowdResult, usage: ProcessUsage): void {
  const ms = (sorted: number[], p: number) => `${percentile(sorted, p).toFixed(1).padStart(7)} ms`;
  const expected = result.rounds * CLIENTS;
  console.log(`\n${name}`);
  console.log(`  tick-to-client latency         p50 ${ms(result.latencies, 50)}   p99 ${ms(result.latencies, 99)}   max ${ms(result.latencies, 100)}`);
  console.log(`  first client of a round        p50 ${ms(result.firstPerRound, 50)}   p99 ${ms(result.firstPerRound, 99)}   (round commit + first send)`);
  console.log(`  last client of a round         p50 ${ms(result.lastPerRound, 50)}   p99 ${ms(result.lastPerRound, 99)}`);
  console.log(
    `  events delivered               ${(result.events / result.seconds).toFixed(0)} /s   (${result.events} of ${expected} over ${result.rounds} rounds, ` +
      `${(result.ticks / Math.max(result.events, 1)).toFixed(1)} ticks each, ${result.errors} errors)`,
  );
  console.log(`  ${name === 'via gateway' ? 'gateway' : 'market '} process                RSS max ${usage.maxRssMb.toFixed(0)} MB   CPU ${usage.cpuPercent.toFixed(0)} % of one core`);
  console.log(`  host load average (1 min)      ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} CPUs`);
}

/** register → mailed link → confirmEmail → setPassword → login, through the gateway; the access token. */
async function signUp(gatewayUrl: string, mailbox: SmtpMailbox): Promise<string> {
  const username = `bench${randomBytes(3).toString('hex')}`;
  const email = `${username}@example.com`;
  const register = await send(gatewayUrl, RegisterDocument, { input: { username, email, firstName: 'Bench', lastName: 'Live' } });
  if (register.errors) throw new Error(`register: ${JSON.stringify(register.errors)}`);
  const confirmed = await send(gatewayUrl, ConfirmEmailDocument, { token: tokenInLink(await mailbox.waitFor(email)) });
  const setupToken = confirmed.data?.confirmEmail.passwordSetupToken;
  if (!setupToken) throw new Error(`confirmEmail: ${JSON.stringify(confirmed.errors)}`);
  const set = await send(gatewayUrl, SetPasswordDocument, { token: setupToken, password: STRONG_PASSWORD });
  if (!set.data?.setPassword) throw new Error(`setPassword: ${JSON.stringify(set.errors)}`);
  const login = await send(gatewayUrl, LoginDocument, { usernameOrEmail: username, password: STRONG_PASSWORD });
  if (!login.data) throw new Error(`login: ${JSON.stringify(login.errors)}`);
  return login.data.login.accessToken;
}

process.once('uncaughtException', (error) => {
  console.error(error);
  void cleanUp().then(() => process.exit(1));
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void cleanUp().then(() => process.exit(130));
  });
}

main()
  .then(() => cleanUp())
  .catch(async (error: unknown) => {
    console.error(error);
    await cleanUp();
    process.exit(1);
  });
