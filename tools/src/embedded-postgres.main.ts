import { DEFAULT_EMBEDDED_POSTGRES_PORT, embeddedPostgresDir, EnvReader, readBaseConfig, startEmbeddedPostgres, watchParent } from '@herck/common';

/**
 * Runs the embedded PostgreSQL in a process of its own, so `npm start` can stop
 * it last, after every service has drained. Prints one JSON line when ready,
 * whose `url` carries the password kept in `<dataDir>/postgres-password`;
 * SIGTERM/SIGINT stop the cluster (embedded-postgres' exit hook) and exit.
 */
async function main(): Promise<void> {
  const env = new EnvReader();
  const base = readBaseConfig(env);
  const port = env.port('EMBEDDED_POSTGRES_PORT', DEFAULT_EMBEDDED_POSTGRES_PORT);
  env.finish(null);
  const server = await startEmbeddedPostgres({ dir: embeddedPostgresDir(base.dataDir), port });
  process.stdout.write(JSON.stringify({ ready: true, url: server.url }) + '\n');
  watchParent(() => void server.stop().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`embedded PostgreSQL failed to start: ${String((error as Error)?.message ?? error)}\n`);
  process.exit(1);
});
