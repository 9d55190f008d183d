import fs from 'node:fs';
import pg from 'pg';
import { embeddedPostgresUrl, readOrCreatePasswordFile } from './embedded-postgres-password';
import { scramSha256Verifier } from './scram-sha-256';
import { databaseClient } from './connect-timeout';

/** The superuser password of clusters made before Herck kept a password file. */
const LEGACY_PASSWORD = 'postgres';

/**
 * Gives a running cluster made by an earlier Herck (superuser password
 * `postgres`, no password file) a random password, writes `passwordFile` and
 * returns the password. The new password waits in `<passwordFile>.new` until
 * the server has it, and only then takes the final name, so a crash at any
 * step leaves a state the next start finishes.
 */
export async function replaceLegacyPassword(port: number, passwordFile: string): Promise<string> {
  const pendingFile = `${passwordFile}.new`;
  const password = readOrCreatePasswordFile(pendingFile);
  // The pending password already works when an earlier attempt stopped after ALTER ROLE.
  const client = (await connect(port, LEGACY_PASSWORD)) ?? (await connect(port, password));
  if (!client) throw new Error(`the embedded PostgreSQL on port ${port} accepts neither its old password nor the one in ${pendingFile}`);
  try {
    // The verifier, not the password: nothing secret reaches the server or its logs.
    await client.query(`ALTER ROLE postgres PASSWORD ${client.escapeLiteral(scramSha256Verifier(password))}`);
  } finally {
    await client.end();
  }
  fs.renameSync(pendingFile, passwordFile);
  return password;
}

/** A connected client, or undefined when the server refuses the password (28P01). */
async function connect(port: number, password: string): Promise<pg.Client | undefined> {
  const client = databaseClient({ connectionString: embeddedPostgresUrl(port, password) });
  try {
    await client.connect();
    return client;
  } catch (error) {
    if ((error as { code?: string }).code === '28P01') return undefined;
    throw error;
  }
}
