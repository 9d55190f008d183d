import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { embeddedPostgresDir, RunningPostgres, startEmbeddedPostgres } from '@herck/common';
import { freePort } from './free-port';

declare global {
  // eslint-disable-next-line no-var
  var herckTestPostgres: { server: RunningPostgres; dir: string } | undefined;
}

/**
 * Tests need a real PostgreSQL: the one DATABASE_URL names, or else an embedded
 * one started here for the run (what a fresh machine gets, random password
 * included: DATABASE_URL carries it to the tests).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-test-pg-'));
  fs.chmodSync(dir, 0o755);
  const server = await startEmbeddedPostgres({ dir: embeddedPostgresDir(dir), port: await freePort() });
  globalThis.herckTestPostgres = { server, dir };
  process.env.DATABASE_URL = server.url;
}
