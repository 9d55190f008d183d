import { DEFAULT_EMBEDDED_POSTGRES_PORT, embeddedPostgresDir, EnvReader, readBaseConfig, startEmbeddedPostgres, watchParent } from '@herck/common';

/**
 * Runs the embedded PostgreSQL in a process of its own, so `npm start` can stop
 * it last, after every service has drained. Prints one JSON line when ready,
 * whose `url` carries the password kept in `<dataDir>/postgres-password`;
 * SIGTERM/SIGINT stop the cluster (embedded-postgres' exit hook) and exit. Should
 * PostgreSQL end on its own (a crash, a kill), this process ends too, with code 1,
 * so that `npm start` sees it and starts the database again.
 */
async function main(): Promise<void> {
  const env = new EnvReader();
  const base = readBaseConfig(env);
  const port = env.port('EMBEDDED_POSTGRES_PORT', DEFAULT_EMBEDDED_POSTGRES_PORT);
  env.finish(null);
  const server = await startEmbeddedPostgres({ dir: embeddedPostgresDir(base.dataDir), port });
  let stopping = false;
  // The package's exit hook, registered before these, stops the server on either signal.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => (stopping = true));
  void server.exited.then((code) => {
    if (stopping) return;
    process.stderr.write(`embedded PostgreSQL stopped unexpectedly (exit code ${code})\n`);
    process.exit(1);
  });
  process.stdout.write(JSON.stringify({ ready: true, url: server.url }) + '\n');
  watchParent(() => {
    stopping = true;
    void server.stop().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`embedded PostgreSQL failed to start: ${String((error as Error)?.message ?? error)}\n`);
  process.exit(1);
});
