import { createPrivateKey, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropDatabase, InternalTokenSigner, repositoryRoot, signingKeyFrom, startEmbeddedPostgres, SUBGRAPHS } from '@herck/common';
import { SmtpMailbox } from '@herck/tools/test-support';
import { freePort, ServiceProcess } from './bench-processes';

/**
 * The whole platform for a benchmark, run as `npm start` runs it: every
 * subgraph and the gateway in a child process of its own (so their CPU and
 * RSS are their own), on the PostgreSQL DATABASE_URL names or an embedded one,
 * with a real SMTP server catching the mail. Everything it starts is undone by
 * `cleanUp()`, also after a failure or a signal (see `runBench`).
 */
export interface BenchPlatform {
  /** The environment every service was started with (ports, databases, keys folder, …). */
  env: NodeJS.ProcessEnv;
  ports: Record<string, number>;
  gatewayUrl: string;
  subgraphUrl(name: string): string;
  services: Record<string, ServiceProcess>;
  gateway: ServiceProcess;
  /** The embedded PostgreSQL's postmaster, when the bench started one (not with DATABASE_URL). */
  postmasterPid?: number;
  mailbox: SmtpMailbox;
  /** Signs internal tokens with the gateway's key, to call subgraphs directly. */
  signer: InternalTokenSigner;
  /** One of this platform's PostgreSQL databases (`account`, `orders`, …), by subgraph name. */
  databaseUrl(subgraph: string): string;
  /** Starts `node <script>` with the platform's environment (plus `extra`) and waits for `/readyz` on `port`. */
  launch(name: string, script: string, port: number, extra?: NodeJS.ProcessEnv): Promise<ServiceProcess>;
}

export const serviceScript = (workspace: string, file = 'main.js') => path.join(repositoryRoot(), workspace, 'dist', 'src', file);

/** Undone in reverse order at the end, also after a failure or a signal. */
const cleanups: (() => Promise<unknown> | unknown)[] = [];
let cleaning: Promise<void> | undefined;

/** Adds a step to the bench's clean-up (a process the bench started itself, say). */
export function atCleanUp(step: () => Promise<unknown> | unknown): void {
  cleanups.push(step);
}

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

/** Subgraphs first (each creates its databases), then the gateway; all stopped in reverse order. */
export async function startBenchPlatform(overrides: NodeJS.ProcessEnv = {}): Promise<BenchPlatform> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-bench-'));
  // Started by root, the embedded server runs as the postgres user, which must reach the folder.
  fs.chmodSync(dir, 0o755);
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));

  let serverUrl = process.env.DATABASE_URL;
  let postmasterPid: number | undefined;
  if (!serverUrl) {
    const embedded = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: 5470 + Math.floor(Math.random() * 100) });
    cleanups.push(() => embedded.stop());
    serverUrl = embedded.url;
    postmasterPid = Number(fs.readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  }
  const mailbox = new SmtpMailbox();
  const smtpUrl = await mailbox.start();
  cleanups.push(() => mailbox.stop());

  const prefix = `bench_${randomBytes(4).toString('hex')}`;
  const databases: Record<string, string> = { BUS_DATABASE_NAME: `${prefix}_bus` };
  for (const { name } of SUBGRAPHS) databases[`${name.toUpperCase()}_DATABASE_NAME`] = `${prefix}_${name}`;
  const server = serverUrl;
  cleanups.push(async () => {
    for (const name of Object.values(databases)) await dropDatabase(server, name);
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
    ...overrides,
  };

  const launch = async (name: string, script: string, port: number, extra: NodeJS.ProcessEnv = {}) => {
    const child = new ServiceProcess(name, script, { ...env, ...extra });
    cleanups.push(() => child.stop());
    await child.waitUntilReady(`http://127.0.0.1:${port}/readyz`);
    return child;
  };
  const started = await Promise.all(SUBGRAPHS.map(({ name, workspace }) => launch(name, serviceScript(workspace), ports[name]!)));
  const services = Object.fromEntries(SUBGRAPHS.map(({ name }, index) => [name, started[index]!]));
  const gateway = await launch('gateway', serviceScript('gateway'), ports.gateway!);
  const keyFile = path.join(dataDir, 'keys', 'internal-token.pem');
  const signer = new InternalTokenSigner(signingKeyFrom(createPrivateKey(fs.readFileSync(keyFile, 'utf8'))));
  return {
    env,
    ports,
    gatewayUrl: `http://127.0.0.1:${ports.gateway}/graphql`,
    subgraphUrl: (name) => `http://127.0.0.1:${ports[name]}/graphql`,
    services,
    gateway,
    postmasterPid,
    mailbox,
    signer,
    databaseUrl: (subgraph) => {
      const url = new URL(server);
      url.pathname = `/${databases[`${subgraph.toUpperCase()}_DATABASE_NAME`]}`;
      return url.toString();
    },
    launch,
  };
}

/** Runs a benchmark's `main`, then cleans up; a failure, an uncaught error or a signal cleans up too. */
export function runBench(main: () => Promise<void>): void {
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
    .then(() => process.exit(0))
    .catch(async (error: unknown) => {
      console.error(error);
      await cleanUp();
      process.exit(1);
    });
}
