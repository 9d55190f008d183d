import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropDatabase } from '../database/database-url';
import { Environment } from '../config/env-reader';
import { SUBGRAPHS } from '../subgraph/subgraph-catalog';

export interface TestEnvironment {
  env: Environment;
  /** Drops the databases and the data folder this environment created. */
  cleanUp(): Promise<void>;
}

/**
 * Settings for services under test: the test PostgreSQL (DATABASE_URL, set by
 * the Jest global setup), databases and a data folder of their own, ports
 * chosen by the system.
 */
export function testEnvironment(overrides: Environment = {}): TestEnvironment {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error('DATABASE_URL is not set: the Jest global setup provides a PostgreSQL server');
  const prefix = `test_${randomBytes(4).toString('hex')}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-test-'));
  const names: Record<string, string> = { BUS_DATABASE_NAME: `${prefix}_bus` };
  const ports: Record<string, string> = { GATEWAY_PORT: '0' };
  for (const { name } of SUBGRAPHS) {
    names[`${name.toUpperCase()}_DATABASE_NAME`] = `${prefix}_${name}`;
    ports[`${name.toUpperCase()}_PORT`] = '0';
  }
  return {
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      HOST: '127.0.0.1',
      HERCK_DATA_DIR: dataDir,
      DATABASE_URL: serverUrl,
      // Tests send far more than a person would; the rate-limit tests set their own limits.
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: '100000',
      RATE_LIMIT_USER_PER_MINUTE: '100000',
      RATE_LIMIT_ANALYST_PER_MINUTE: '100000',
      // Every test client is 127.0.0.1: a file signing up more than 60 users would trip the per-client mail budget.
      MAIL_REQUESTS_PER_CLIENT_PER_HOUR: '100000',
      ...ports,
      ...names,
      ...overrides,
    },
    async cleanUp() {
      for (const name of Object.values(names)) await dropDatabase(serverUrl, name);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
