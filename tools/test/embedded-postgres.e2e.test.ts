import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { databaseUrl, embeddedPostgresDir, embeddedPostgresUrl, EnvReader, readSubgraphConfig, repositoryRoot } from '@herck/common';
import { ManagedProcess } from '../src/process-group';
import { freePort } from './support/free-port';

/** What `npm start` and `admin:create` run, after `npm run build`. */
const LAUNCHER = path.join(repositoryRoot(), 'tools', 'dist', 'src', 'embedded-postgres.main.js');
const LEGACY = path.join(repositoryRoot(), 'tools', 'dist', 'test', 'support', 'legacy-embedded-postgres.js');
const SLOW = 120_000;

const dataDirs: string[] = [];
const launched: ManagedProcess[] = [];
afterAll(async () => {
  for (const server of launched) await server.stop();
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh data folder; 0755 because, under root, the `postgres` system user must reach the cluster in it. */
function newDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-embedded-pg-'));
  fs.chmodSync(dir, 0o755);
  dataDirs.push(dir);
  return dir;
}

/** Starts the embedded PostgreSQL of `dataDir` as `npm start` does; resolves with the URL it prints. */
async function launch(dataDir: string, port: number): Promise<{ server: ManagedProcess; url: string }> {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'development', HERCK_DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(port) };
  const server = new ManagedProcess('postgres', LAUNCHER, env, true);
  launched.push(server);
  const { url } = await server.firstJsonLine<{ url: string }>();
  return { server, url };
}

/** Connects and disconnects; rejects with PostgreSQL's error (28P01: wrong password). */
async function signIn(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.end();
}

const passwordFile = (dataDir: string) => path.join(dataDir, 'postgres-password');
const readPassword = (dataDir: string) => fs.readFileSync(passwordFile(dataDir), 'utf8').trim();
const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

/** The methods pg_hba.conf asks of TCP connections. */
function hostAuthMethods(dataDir: string): string[] {
  const lines = fs.readFileSync(path.join(embeddedPostgresDir(dataDir), 'pg_hba.conf'), 'utf8').split('\n');
  const hosts = lines.map((line) => line.trim().split(/\s+/)).filter((fields) => fields[0]?.startsWith('host'));
  return [...new Set(hosts.map((fields) => fields[4]))].filter((method): method is string => method !== undefined);
}

describe('embedded PostgreSQL', () => {
  it(
    'gets a random superuser password at first start, kept 0600 under the data folder, and requires it',
    async () => {
      const dataDir = newDataDir();
      const port = await freePort();
      const first = await launch(dataDir, port);

      expect(modeOf(passwordFile(dataDir))).toBe(0o600);
      const password = readPassword(dataDir);
      expect(password).not.toBe('postgres');
      expect(password.length).toBeGreaterThanOrEqual(24);
      expect(first.url).toBe(embeddedPostgresUrl(port, password));
      expect(hostAuthMethods(dataDir)).toEqual(['scram-sha-256']);
      await expect(signIn(embeddedPostgresUrl(port, 'postgres'))).rejects.toMatchObject({ code: '28P01' });
      await signIn(first.url);

      // A second start of the same cluster (a second `npm start` in the same folder) fails saying why, in PostgreSQL's words.
      const twice = spawnSync(process.execPath, [LAUNCHER], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'development', HERCK_DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(port) },
        encoding: 'utf8',
        timeout: SLOW,
      });
      expect(twice.status).not.toBe(0);
      expect(twice.stderr).toMatch(/^embedded PostgreSQL failed to start: (?!undefined)[\s\S]*PostgreSQL said:\n[\s\S]*(lock file|already|in use)/);

      // What admin:create and a subgraph started by hand use without DATABASE_URL.
      const env = new EnvReader({ NODE_ENV: 'development', HERCK_DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(port) });
      expect(env.finish(readSubgraphConfig(env, 'account')).serverUrl).toBe(first.url);

      await first.server.stop();
      const second = await launch(dataDir, port);
      expect(readPassword(dataDir)).toBe(password);
      expect(second.url).toBe(first.url);
      await signIn(second.url);
      await second.server.stop();
    },
    SLOW,
  );

  it(
    'gives a cluster made before the password file a random password on its next start, keeping its data',
    async () => {
      const dataDir = newDataDir();
      const port = await freePort();
      const legacy = spawnSync(process.execPath, [LEGACY, embeddedPostgresDir(dataDir), String(port)], { encoding: 'utf8', timeout: SLOW });
      expect(legacy.stderr).toBe('');
      expect(legacy.status).toBe(0);
      expect(fs.existsSync(passwordFile(dataDir))).toBe(false);

      const upgraded = await launch(dataDir, port);
      expect(modeOf(passwordFile(dataDir))).toBe(0o600);
      expect(fs.existsSync(`${passwordFile(dataDir)}.new`)).toBe(false);
      const password = readPassword(dataDir);
      expect(password).not.toBe('postgres');
      expect(upgraded.url).toBe(embeddedPostgresUrl(port, password));
      await expect(signIn(embeddedPostgresUrl(port, 'postgres'))).rejects.toMatchObject({ code: '28P01' });
      await signIn(databaseUrl(upgraded.url, 'kept'));
      await upgraded.server.stop();
    },
    SLOW,
  );

  // Only root's PostgreSQL runs as another user (`postgres`), one that may be shut out of the data folder.
  (process.getuid?.() === 0 ? it : it.skip)('started by root in a folder others may not enter, says so', async () => {
    const dataDir = newDataDir();
    fs.chmodSync(dataDir, 0o700); // as `mktemp -d` makes it
    const port = await freePort();
    const refused = spawnSync(process.execPath, [LAUNCHER], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'development', HERCK_DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(port) },
      encoding: 'utf8',
      timeout: SLOW,
    });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`the postgres system user, which must be able to enter ${dataDir}, closed to other users: set HERCK_DATA_DIR`);
  });

  it('has no development default URL before the embedded PostgreSQL first ran, and says why', () => {
    const env = new EnvReader({ NODE_ENV: 'development', HERCK_DATA_DIR: newDataDir() });
    readSubgraphConfig(env, 'auth');
    expect(() => env.finish({})).toThrow(/DATABASE_URL is not set and the embedded PostgreSQL has no password file/);
  });
});
