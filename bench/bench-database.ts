import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '@herck/common';

export interface BenchDatabase {
  /** The embedded server's postmaster (its backends are its children); unknown for DATABASE_URL. */
  postmasterPid?: number;
}

/**
 * Runs a benchmark against the PostgreSQL server DATABASE_URL names, or else
 * an embedded one started for the run in a temporary folder, removed after.
 */
export async function withBenchDatabase(run: (database: BenchDatabase) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-bench-'));
  // Started by root, the embedded server runs as the postgres user, which must reach the folder.
  fs.chmodSync(dir, 0o755);
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: 5470 + Math.floor(Math.random() * 100) });
  if (embedded) process.env.DATABASE_URL = embedded.url;
  try {
    // postmaster.pid's first line is the server's process id.
    const postmasterPid = embedded ? Number(fs.readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]) : undefined;
    await run({ postmasterPid });
  } finally {
    await embedded?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
