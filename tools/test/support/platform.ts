import { readAccountConfig, startAccountService } from '@herck/account';
import { readAuthConfig, startAuthService } from '@herck/auth';
import { Environment, Logger, RunningSubgraph, testEnvironment } from '@herck/common';
import { readGatewayConfig, RunningGateway, startGateway } from '@herck/gateway';
import { MarketServiceOverrides, readMarketConfig, RunningMarket, startMarketService } from '@herck/market';
import { SmtpMailbox } from './smtp-mailbox';

type ServiceName = 'account' | 'auth' | 'market' | 'gateway';

export interface TestPlatformOptions {
  loggers?: Partial<Record<ServiceName, Logger>>;
  /** Start the market subgraph too (with these overrides); tests that need no market data leave it out. */
  market?: MarketServiceOverrides;
}

export interface TestPlatform {
  gatewayUrl: string;
  account: RunningSubgraph;
  auth: RunningSubgraph;
  market?: RunningMarket;
  gateway: RunningGateway;
  mailbox: SmtpMailbox;
  env: Environment;
  /** Starts another gateway on the same subgraphs with extra settings (e.g. production mode). */
  startGateway(overrides: Environment): Promise<RunningGateway>;
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
  const logger = (name: ServiceName) => options.loggers?.[name] ?? new Logger(name, 'error');
  const markets: RunningMarket[] = [];
  const startMarketReplica = async (marketOverrides: MarketServiceOverrides = {}, extra: Environment = {}, marketLogger = logger('market')) => {
    const market = await startMarketService(readMarketConfig({ ...env, ...extra }), marketLogger, marketOverrides);
    markets.push(market);
    return market;
  };
  const [account, auth, market] = await Promise.all([
    startAccountService(readAccountConfig(env), logger('account')),
    startAuthService(readAuthConfig(env), logger('auth')),
    options.market ? startMarketReplica(options.market) : Promise.resolve(undefined),
  ]);
  const gateways: RunningGateway[] = [];
  const launchGateway = async (extra: Environment) => {
    const urls = { ACCOUNT_URL: account.url, AUTH_URL: auth.url, ...(market && { MARKET_URL: market.url }) };
    const gateway = await startGateway(readGatewayConfig({ ...env, ...urls, ...extra }), logger('gateway'));
    gateways.push(gateway);
    return gateway;
  };
  const gateway = await launchGateway({});
  return {
    gatewayUrl: gateway.url,
    account,
    auth,
    market,
    gateway,
    mailbox,
    env,
    startGateway: launchGateway,
    startMarketReplica,
    async stop() {
      for (const running of gateways) await running.stop();
      await Promise.all([account.stop(), auth.stop(), ...markets.map((running) => running.stop())]);
      await mailbox.stop();
      await cleanUp();
    },
  };
}
