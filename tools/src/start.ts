import path from 'node:path';
import { readAccountConfig } from '@herck/account';
import { readAnalysisConfig } from '@herck/analysis';
import { readAuthConfig } from '@herck/auth';
import { ConfigError, DEFAULT_EMBEDDED_POSTGRES_PORT, embeddedPostgresDir, EnvReader, Logger, readBaseConfig, readLogShippingConfig, repositoryRoot, SUBGRAPHS } from '@herck/common';
import { readGatewayConfig } from '@herck/gateway';
import { readLogsConfig } from '@herck/logs';
import { readMarketConfig } from '@herck/market';
import { readOrdersConfig } from '@herck/orders';
import { scheduleBackups } from './backup-runner';
import { readBackupSettings } from './herck-stores';
import { portsInUse } from './ports-in-use';
import { ManagedProcess } from './process-group';

const script = (workspace: string, file: string) => path.join(repositoryRoot(), workspace, 'dist', 'src', file);

const SERVICES = SUBGRAPHS.map(({ name, port, workspace }) => ({
  name,
  script: script(workspace, 'main.js'),
  portVariable: `${name.toUpperCase()}_PORT`,
  port,
}));
const GATEWAY = { name: 'gateway', script: script('gateway', 'main.js'), portVariable: 'GATEWAY_PORT', port: 4000 };

const logger = new Logger('herck', 'info');
const running: ManagedProcess[] = [];
let stopping = false;
/** The embedded PostgreSQL's process, when `npm start` runs one. */
const EMBEDDED_DATABASE = 'postgres';
let backupSchedule: { stop(): void } | undefined;
/** Set once every service answered: a process that dies after this is restarted, not fatal. */
let up = false;
/** Per process name, how many restarts in a row came soon after the start before them. */
const restarts = new Map<string, number>();
/** A process that dies after the platform is up is started again after this, doubling up to the maximum. */
const RESTART_FIRST_DELAY_MS = 1_000;
const RESTART_MAX_DELAY_MS = 30_000;
/** Up this long, a process that dies is restarted after the first delay again. */
const STABLE_MS = 60_000;

/**
 * Stops the gateway first, then the subgraphs in reverse start order, the
 * database last — except that logs stops after the other services, so their
 * last lines still reach it.
 */
async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info('stopping Herck');
  backupSchedule?.stop();
  // A stable sort: the gateway first (also one restarted after the subgraphs), then the services in
  // reverse start order, logs after them, the database last.
  const rank = (child: ManagedProcess) => (child.name === GATEWAY.name ? -1 : child.name === EMBEDDED_DATABASE ? 2 : child.name === 'logs' ? 1 : 0);
  for (const child of [...running].reverse().sort((a, b) => rank(a) - rank(b))) await child.stop();
  // The database prints nothing as it stops: this line says the last step is done.
  logger.info('Herck stopped', { services: running.map((child) => child.name) });
  process.exit(code);
}

/**
 * `npm start`: the whole platform on one machine. Without DATABASE_URL (in
 * development: production requires it) an embedded PostgreSQL keeps its data
 * under `.data/postgres` (its password in `.data/postgres-password`) and its URL
 * goes to the subgraphs. A service (or the embedded PostgreSQL) that dies
 * once everything is up is started again (the others go on). Ctrl-C stops the
 * gateway, then the subgraphs (each drains), then the database.
 */
async function main(): Promise<void> {
  const env = new EnvReader();
  const base = readBaseConfig(env);
  const ports = Object.fromEntries([...SERVICES, GATEWAY].map((s) => [s.name, env.port(s.portVariable, s.port)]));
  const databasePort = env.port('EMBEDDED_POSTGRES_PORT', DEFAULT_EMBEDDED_POSTGRES_PORT);
  const backups = readBackupSettings(env, base);
  const embedded = !process.env.DATABASE_URL && !base.production;
  // Every bad or missing variable of every process is named at once, before anything starts: start's own,
  // and each service's as it reads them (with the embedded database's URL to come standing in for DATABASE_URL).
  const problems = [
    ...problemsOf(() => env.finish(null)),
    ...portProblems({ ...Object.fromEntries([...SERVICES, GATEWAY].map((s) => [s.portVariable, ports[s.name]!])), ...(embedded && { EMBEDDED_POSTGRES_PORT: databasePort }) }),
    ...configurationProblems(embedded ? { ...process.env, DATABASE_URL: `postgres://postgres@127.0.0.1:${databasePort}/postgres` } : process.env),
  ];
  if (problems.length) throw new ConfigError([...new Set(problems)]);
  const taken = await portsInUse(ports, base.host).catch((error: NodeJS.ErrnoException) => {
    // Not a port in use: the address itself cannot be listened on here (not this machine's, or no such host).
    throw new ConfigError([`HOST cannot be listened on here (${error.code ?? error.message}), got "${base.host}"`]);
  });
  if (taken.length) {
    throw new Error(`${taken.length === 1 ? 'port' : 'ports'} ${taken.join(', ')} ${taken.length === 1 ? 'is' : 'are'} in use: is Herck running already? Stop it first, or choose other ports (${[...SERVICES, GATEWAY].map((s) => s.portVariable).join(', ')}).`);
  }
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  // The embedded PostgreSQL is for development: in production DATABASE_URL is required (the check above says so).
  if (embedded) {
    logger.info('no DATABASE_URL: starting embedded PostgreSQL', { dataDir: embeddedPostgresDir(base.dataDir) });
    childEnv.DATABASE_URL = await launchDatabase();
  }

  // The services listen on HOST: asked there (on loopback when HOST is every interface).
  const readyHost = ['0.0.0.0', '::'].includes(base.host) ? '127.0.0.1' : base.host.includes(':') ? `[${base.host}]` : base.host;
  const launch = async (service: { name: string; script: string }) => {
    const child = new ManagedProcess(service.name, service.script, childEnv);
    supervise(child, () => launch(service));
    await waitUntilReady(`http://${readyHost}:${ports[service.name]}/readyz`, child);
  };
  await Promise.all(SERVICES.map(launch));
  await launch(GATEWAY);
  up = true;
  // In this process, on the platform's own database; a failed backup is logged and stops nothing.
  if (backups.intervalHours > 0) backupSchedule = scheduleBackups(childEnv, backups.intervalHours, logger);

  const gatewayUrl = `http://localhost:${ports.gateway}/graphql`;
  const subgraphUrls = Object.fromEntries(SERVICES.map((s) => [s.name, `http://localhost:${ports[s.name]}/graphql`]));
  // In production stdout goes to a log collector, which reads one JSON object per line, and there is
  // no Sandbox (a plain page) and no mail folder (SMTP_URL is required): the URLs go in one log line.
  if (base.production) {
    logger.info('Herck is running', { gateway: gatewayUrl, subgraphs: subgraphUrls });
    return;
  }
  // Mail lands in files only without SMTP_URL.
  const mailLine = process.env.SMTP_URL ? '' : `    mail (no SMTP_URL)              ${path.join(base.dataDir, 'mail')}\n`;
  console.log(`
  Herck is running
    GraphQL API and Apollo Sandbox  ${gatewayUrl}
${SERVICES.map((s) => `    ${`${s.name} subgraph`.padEnd(32)}${subgraphUrls[s.name]} (gateway only)`).join('\n')}
${mailLine}  Press Ctrl-C to stop.
`);
}

/**
 * The embedded PostgreSQL, in a process of its own; resolves with its URL once it takes connections.
 * Started again on the same port and data (so the same URL) if it dies once the platform is up.
 */
async function launchDatabase(): Promise<string> {
  const database = new ManagedProcess(EMBEDDED_DATABASE, path.join(__dirname, 'embedded-postgres.main.js'), process.env, true);
  supervise(database, launchDatabase);
  return (await database.firstJsonLine<{ url: string }>()).url;
}

/**
 * Watches a child of the platform. While the platform starts, one that dies has a problem a restart
 * will not mend (its configuration, a port): everything stops. Later, one process lost must not take
 * the others with it: it comes back, more slowly each time it dies soon after a start (a minute up
 * and the next restart is quick again). The services reconnect to a database that comes back.
 */
function supervise(child: ManagedProcess, relaunch: () => Promise<unknown>): void {
  const startedAt = Date.now();
  running.push(child);
  void child.exited.then((code) => {
    if (stopping) return;
    if (running.includes(child)) running.splice(running.indexOf(child), 1);
    if (!up) {
      logger.error(`${child.name} exited unexpectedly`, { code });
      return void stopAll(1);
    }
    const attempt = Date.now() - startedAt > STABLE_MS ? 0 : (restarts.get(child.name) ?? -1) + 1;
    restarts.set(child.name, attempt);
    const delayMs = Math.min(RESTART_MAX_DELAY_MS, RESTART_FIRST_DELAY_MS * 2 ** attempt);
    logger.error(`${child.name} exited unexpectedly; restarting it`, { code, delayMs });
    setTimeout(() => {
      if (!stopping) relaunch().catch((error: unknown) => logger.error(`${child.name} did not come back`, { error }));
    }, delayMs).unref();
  });
}

/**
 * Reads every process's configuration as that process will: all their problems (a first admin auth
 * would refuse must stop everything before account creates its profile). Each service still reads,
 * and checks, its whole configuration when it starts.
 */
function configurationProblems(env: NodeJS.ProcessEnv): string[] {
  // Every process ships its log lines with the same settings.
  const logShipping = (source: NodeJS.ProcessEnv) => readLogShippingConfig(readBaseConfig(new EnvReader(source)), source);
  return [readAccountConfig, readAuthConfig, readMarketConfig, readAnalysisConfig, readOrdersConfig, readLogsConfig, readGatewayConfig, logShipping].flatMap((read) => problemsOf(() => read(env)));
}

/** What a configuration read refused, or nothing. */
function problemsOf(read: () => unknown): string[] {
  try {
    read();
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

/**
 * Ports `npm start` cannot run on: 0 (a port the system picks, which no other process could find)
 * and one given to two processes (they would take it from each other).
 */
function portProblems(ports: Record<string, number>): string[] {
  const problems = Object.entries(ports)
    .filter(([, port]) => port === 0)
    .map(([variable]) => `${variable} must not be 0 for npm start: the other processes must know where to reach it`);
  const byPort = new Map<number, string[]>();
  for (const [variable, port] of Object.entries(ports)) if (port !== 0) byPort.set(port, [...(byPort.get(port) ?? []), variable]);
  for (const [port, variables] of byPort) if (variables.length > 1) problems.push(`${variables.join(' and ')} are both ${port}: every process needs a port of its own`);
  return problems;
}

/** Polls the readiness route; gives up if the process dies or after a minute. */
async function waitUntilReady(url: string, child: ManagedProcess): Promise<void> {
  let exited = false;
  void child.exited.then(() => (exited = true));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !exited) {
    const ready = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok).catch(() => false);
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${child.name} did not become ready (${url})`);
}

main().catch((error: unknown) => {
  // Already stopping (a service died while starting, or Ctrl-C): that was said; a service stopped meanwhile is no news.
  if (!stopping) console.error(`Herck failed to start: ${(error as Error)?.message ?? error}`);
  void stopAll(1);
});
