import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readAccountConfig, startAccountService } from '@herck/account';
import { readAuthConfig, startAuthService } from '@herck/auth';
import { dropDatabase, Environment, Logger, RunningSubgraph } from '@herck/common';
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
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error('DATABASE_URL is not set: the Jest global setup provides a PostgreSQL server');
  const prefix = `test_${randomBytes(4).toString('hex')}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-test-'));
  const mailbox = new SmtpMailbox();
  const env: Environment = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    HOST: '127.0.0.1',
    HERCK_DATA_DIR: dataDir,
    DATABASE_URL: serverUrl,
    ACCOUNT_DATABASE_NAME: `${prefix}_account`,
    AUTH_DATABASE_NAME: `${prefix}_auth`,
    BUS_DATABASE_NAME: `${prefix}_bus`,
    ACCOUNT_PORT: '0',
    AUTH_PORT: '0',
    GATEWAY_PORT: '0',
    SMTP_URL: await mailbox.start(),
    ...overrides,
  };
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
      for (const suffix of ['account', 'auth', 'bus']) await dropDatabase(serverUrl, `${prefix}_${suffix}`);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
