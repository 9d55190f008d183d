import { readAccountConfig, startAccountService } from '@herck/account';
import { readAuthConfig, startAuthService } from '@herck/auth';
import { Environment, Logger, RunningSubgraph, testEnvironment } from '@herck/common';
import { readGatewayConfig, RunningGateway, startGateway } from '@herck/gateway';
import { SmtpMailbox } from './smtp-mailbox';

export interface TestPlatform {
  gatewayUrl: string;
  account: RunningSubgraph;
  auth: RunningSubgraph;
  gateway: RunningGateway;
  mailbox: SmtpMailbox;
  env: Environment;
  /** Starts another gateway on the same subgraphs with extra settings (e.g. production mode). */
  startGateway(overrides: Environment): Promise<RunningGateway>;
  stop(): Promise<void>;
}

/**
 * The real platform for one test file: account and auth subgraphs and the
 * gateway on ephemeral ports, each subgraph with fresh databases of its own on
 * the test PostgreSQL, and a real SMTP server catching the mail.
 */
export async function startTestPlatform(overrides: Environment = {}, loggers: Partial<Record<'account' | 'auth' | 'gateway', Logger>> = {}): Promise<TestPlatform> {
  const mailbox = new SmtpMailbox();
  const { env, cleanUp } = testEnvironment({ SMTP_URL: await mailbox.start(), ...overrides });
  const logger = (name: 'account' | 'auth' | 'gateway') => loggers[name] ?? new Logger(name, 'error');
  const [account, auth] = await Promise.all([
    startAccountService(readAccountConfig(env), logger('account')),
    startAuthService(readAuthConfig(env), logger('auth')),
  ]);
  const gateways: RunningGateway[] = [];
  const launchGateway = async (extra: Environment) => {
    const gateway = await startGateway(readGatewayConfig({ ...env, ACCOUNT_URL: account.url, AUTH_URL: auth.url, ...extra }), logger('gateway'));
    gateways.push(gateway);
    return gateway;
  };
  const gateway = await launchGateway({});
  return {
    gatewayUrl: gateway.url,
    account,
    auth,
    gateway,
    mailbox,
    env,
    startGateway: launchGateway,
    async stop() {
      for (const running of gateways) await running.stop();
      await Promise.all([account.stop(), auth.stop()]);
      await mailbox.stop();
      await cleanUp();
    },
  };
}
