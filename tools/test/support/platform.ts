import { readAccountConfig, startAccountService } from '@herck/account';
import { AnalysisServiceOverrides, readAnalysisConfig, RunningAnalysis, startAnalysisService } from '@herck/analysis';
import { readAuthConfig, startAuthService } from '@herck/auth';
import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Environment, InternalTokenSigner, Logger, RunningSubgraph, signingKeyFrom, testEnvironment } from '@herck/common';
import { readGatewayConfig, RunningGateway, startGateway } from '@herck/gateway';
import { MarketServiceOverrides, readMarketConfig, RunningMarket, startMarketService } from '@herck/market';
import { LogsServiceOverrides, readLogsConfig, RunningLogs, startLogsService } from '@herck/logs';
import { OrdersServiceOverrides, readOrdersConfig, RunningOrders, startOrdersService } from '@herck/orders';
import { freePort } from './free-port';
import { copyTemplateDatabases } from './template-databases';
import { SmtpMailbox } from './smtp-mailbox';

type ServiceName = 'account' | 'auth' | 'market' | 'analysis' | 'orders' | 'logs' | 'gateway';

export interface TestPlatformOptions {
  loggers?: Partial<Record<ServiceName, Logger>>;
  /** Start the market subgraph too (with these overrides); tests that need no market data leave it out. */
  market?: MarketServiceOverrides;
  /** Start the analysis subgraph too (with these overrides). */
  analysis?: AnalysisServiceOverrides;
  /** Start the orders subgraph too (with these overrides). */
  orders?: OrdersServiceOverrides;
  /** Start the logs subgraph too (with these overrides). */
  logs?: LogsServiceOverrides;
}

export interface TestPlatform {
  gatewayUrl: string;
  account: RunningSubgraph;
  auth: RunningSubgraph;
  market?: RunningMarket;
  analysis?: RunningAnalysis;
  orders?: RunningOrders;
  logs?: RunningLogs;
  gateway: RunningGateway;
  mailbox: SmtpMailbox;
  env: Environment;
  /** Signs internal tokens with the gateway's key, to call a subgraph directly as the gateway would. */
  internalTokenSigner(): InternalTokenSigner;
  /** Starts another gateway on the same subgraphs with extra settings (e.g. production mode). */
  startGateway(overrides: Environment): Promise<RunningGateway>;
  /** Stops the analysis subgraph and starts it again on the same port and databases (`analysis` then names the new one), after `whileDown`. */
  restartAnalysis(whileDown?: () => Promise<void>): Promise<RunningAnalysis>;
  /** Starts another analysis replica on the same databases (it stands by while the first evaluates). */
  startAnalysisReplica(): Promise<RunningAnalysis>;
  /** Starts another market replica on the same databases (it stands by while the first ingests). */
  startMarketReplica(overrides?: MarketServiceOverrides, env?: Environment, logger?: Logger): Promise<RunningMarket>;
  stop(): Promise<void>;
}

/**
 * The real platform for one test file: the subgraphs and the gateway on
 * ephemeral ports, each subgraph with fresh databases of its own on the test
 * PostgreSQL, and a real SMTP server catching the mail.
 */
export async function startTestPlatform(overrides: Environment = {}, options: TestPlatformOptions = {}): Promise<TestPlatform> {
  const mailbox = new SmtpMailbox();
  const { env, cleanUp } = testEnvironment({ SMTP_URL: await mailbox.start(), ...overrides });
  await copyTemplateDatabases(env);
  // The first gateway's port is chosen before anything starts: the account subgraph writes it into the links
  // it mails (/confirm-email, /reset-password), which must open that gateway's pages, not "localhost:0".
  // `env` keeps port 0, so gateways a test starts from it beside this one take ports of their own.
  const firstGatewayPort = overrides.GATEWAY_PORT ? {} : { GATEWAY_PORT: String(await freePort()) };
  const logger = (name: ServiceName) => options.loggers?.[name] ?? new Logger(name, 'error');
  const markets: RunningMarket[] = [];
  const startMarketReplica = async (marketOverrides: MarketServiceOverrides = {}, extra: Environment = {}, marketLogger = logger('market')) => {
    const market = await startMarketService(readMarketConfig({ ...env, ...extra }), marketLogger, marketOverrides);
    markets.push(market);
    return market;
  };
  // The mailbox and the file's environment, which outlive the services.
  const releaseSupport = async () => {
    await mailbox.stop();
    await cleanUp();
  };
  const [account, auth, market, firstAnalysis, orders, logs] = await startTogether(
    [
      () => startAccountService(readAccountConfig({ ...env, ...firstGatewayPort }), logger('account')),
      () => startAuthService(readAuthConfig(env), logger('auth')),
      () => (options.market ? startMarketReplica(options.market) : Promise.resolve(undefined)),
      () => (options.analysis ? startAnalysisService(readAnalysisConfig(env), logger('analysis'), options.analysis) : Promise.resolve(undefined)),
      () => (options.orders ? startOrdersService(readOrdersConfig(env), logger('orders'), options.orders) : Promise.resolve(undefined)),
      () => (options.logs ? startLogsService(readLogsConfig(env), logger('logs'), options.logs) : Promise.resolve(undefined)),
    ],
    releaseSupport,
  );
  let analysis = firstAnalysis;
  const analysisReplicas: RunningAnalysis[] = [];
  const gateways: RunningGateway[] = [];
  const launchGateway = async (extra: Environment) => {
    const urls = { ACCOUNT_URL: account.url, AUTH_URL: auth.url, ...(market && { MARKET_URL: market.url }), ...(analysis && { ANALYSIS_URL: analysis.url }), ...(orders && { ORDERS_URL: orders.url }), ...(logs && { LOGS_URL: logs.url }) };
    const gateway = await startGateway(readGatewayConfig({ ...env, ...urls, ...extra }), logger('gateway'));
    gateways.push(gateway);
    return gateway;
  };
  const stopSubgraphs = () => Promise.all([account.stop(), auth.stop(), ...markets.map((running) => running.stop()), ...(analysis ? [analysis.stop()] : []), ...(orders ? [orders.stop()] : []), ...(logs ? [logs.stop()] : [])]);
  const gateway = await launchGateway(firstGatewayPort).catch(async (error: unknown) => {
    await stopSubgraphs();
    await releaseSupport();
    throw error;
  });
  return {
    gatewayUrl: gateway.url,
    account,
    auth,
    market,
    get analysis() {
      return analysis;
    },
    orders,
    logs,
    gateway,
    mailbox,
    env,
    internalTokenSigner: () => new InternalTokenSigner(signingKeyFrom(createPrivateKey(fs.readFileSync(path.join(env.HERCK_DATA_DIR!, 'keys', 'internal-token.pem'), 'utf8')))),
    startGateway: launchGateway,
    startMarketReplica,
    async restartAnalysis(whileDown) {
      if (!analysis) throw new Error('this platform runs no analysis subgraph');
      const port = new URL(analysis.url).port;
      await analysis.stop();
      await whileDown?.();
      analysis = await startAnalysisService(readAnalysisConfig({ ...env, ANALYSIS_PORT: port }), logger('analysis'), options.analysis);
      return analysis;
    },
    async startAnalysisReplica() {
      const replica = await startAnalysisService(readAnalysisConfig(env), logger('analysis'), options.analysis);
      analysisReplicas.push(replica);
      return replica;
    },
    async stop() {
      for (const running of gateways) await running.stop();
      await Promise.all(analysisReplicas.map((replica) => replica.stop()));
      await stopSubgraphs();
      await releaseSupport();
    },
  };
}

/**
 * Runs the starts side by side and waits for every one; should any fail (a bad setting, a port
 * taken), those that started are stopped and `release` runs before the first failure is thrown:
 * a service left running would keep Jest from ever exiting.
 */
async function startTogether<T extends readonly unknown[]>(starts: { [K in keyof T]: () => Promise<T[K]> }, release: () => Promise<void>): Promise<T> {
  // Each start in its own promise, so a setting refused as it is read fails that start, not the others.
  const settled = await Promise.allSettled(starts.map((start) => Promise.resolve().then(start)));
  const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (!failed) return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as unknown as T;
  const started = settled.flatMap((outcome) => (outcome.status === 'fulfilled' && outcome.value ? [outcome.value as { stop(): Promise<void> }] : []));
  await Promise.all(started.map((service) => service.stop()));
  await release();
  throw failed.reason;
}
