import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The embedded PostgreSQL's cluster folder under the data folder: `<dataDir>/postgres`. */
export function embeddedPostgresDir(dataDir: string): string {
  return path.join(dataDir, 'postgres');
}

/**
 * Where the superuser password of the cluster in `clusterDir` is kept:
 * `<clusterDir>-password`, so `<dataDir>/postgres-password`. Next to the
 * cluster rather than in it: initdb wants an empty folder, and when root runs
 * Herck the cluster belongs to the `postgres` system user while this file is
 * read by our own process only.
 */
export function embeddedPostgresPasswordFile(clusterDir: string): string {
  return path.join(path.dirname(clusterDir), `${path.basename(clusterDir)}-password`);
}

/** The password kept in `file`, or undefined when the file does not exist. */
export function readPasswordFile(file: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const password = text.trim();
  if (!password) throw new Error(`${file} is empty; it should hold the embedded PostgreSQL's password`);
  return password;
}

/**
 * The password kept in `file`; when there is none, a new random one (32 bytes,
 * base64url) written there first, readable by this user only. The only place
 * that creates a password file.
 */
export function readOrCreatePasswordFile(file: string): string {
  const existing = readPasswordFile(file);
  if (existing !== undefined) return existing;
  const password = randomBytes(32).toString('base64url');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    // Created with its final mode, so it is never readable by others, not even briefly;
    // 'wx' fails when another process created it first, and then theirs wins.
    fs.writeFileSync(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readOrCreatePasswordFile(file);
    throw error;
  }
  return password;
}

/** Server URL (admin database `postgres`) of an embedded PostgreSQL on 127.0.0.1. */
export function embeddedPostgresUrl(port: number, password: string): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

/**
 * Server URL of the embedded PostgreSQL kept under `dataDir`, with the password
 * from its file; undefined when it was never started there (no file yet).
 * Reads only: merely reading configuration must not create files.
 */
export function embeddedServerUrl(dataDir: string, port: number): string | undefined {
  const password = readPasswordFile(embeddedPostgresPasswordFile(embeddedPostgresDir(dataDir)));
  return password === undefined ? undefined : embeddedPostgresUrl(port, password);
}
