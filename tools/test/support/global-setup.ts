import './build-packages';
import { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { embeddedPostgresDir, RunningPostgres, startEmbeddedPostgres } from '@herck/common';
import { freePort } from './free-port';
import { createTemplateDatabases } from './template-databases';
import { provideTestRedis } from './test-redis';
import { refuseWatchMode } from './watch-mode';

declare global {
  // eslint-disable-next-line no-var
  var herckTestPostgres: { server: RunningPostgres; dir: string } | undefined;
  // eslint-disable-next-line no-var
  var herckTestRedis: ChildProcess | undefined;
}

/**
 * Each Jest worker runs a whole platform (six subgraphs with their pools, bus
 * listeners, extra gateways and replicas): three of them together come within a
 * few connections of PostgreSQL's default limit of 100 (measured: 93).
 */
const TEST_MAX_CONNECTIONS = 300;

/**
 * Tests need a real PostgreSQL: the one DATABASE_URL names, or else an embedded
 * one started here for the run (what a fresh machine gets, random password
 * included: DATABASE_URL carries it to the tests). The run's migrated template
 * databases are made on it here (template-databases.ts). The tests of the Redis
 * mode need a real Redis too (test-redis.ts).
 */
export default async function globalSetup(globalConfig: { watch?: boolean; watchAll?: boolean }): Promise<void> {
  refuseWatchMode(globalConfig);
  if (!process.env.DATABASE_URL) await startTestPostgres();
  await createTemplateDatabases(process.env.DATABASE_URL!);
  globalThis.herckTestRedis = await provideTestRedis();
}

async function startTestPostgres(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-test-pg-'));
  fs.chmodSync(dir, 0o755);
  const server = await startEmbeddedPostgres({ dir: embeddedPostgresDir(dir), port: await freePort(), maxConnections: TEST_MAX_CONNECTIONS });
  globalThis.herckTestPostgres = { server, dir };
  process.env.DATABASE_URL = server.url;
}
