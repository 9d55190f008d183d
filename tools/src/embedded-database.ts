import net from 'node:net';
import path from 'node:path';
import { DEFAULT_EMBEDDED_POSTGRES_PORT, EnvReader } from '@herck/common';
import { ManagedProcess } from './process-group';

/**
 * Without DATABASE_URL (in development) the data lives in the embedded PostgreSQL: use it if `npm start` runs, else start it briefly.
 * Either way the subgraph config's default URL reaches it, with the password kept under the data folder.
 */
export async function embeddedDatabaseIfNeeded(env: NodeJS.ProcessEnv): Promise<ManagedProcess | undefined> {
  // Production has no embedded database: its configuration check then names the missing DATABASE_URL.
  if (env.DATABASE_URL || env.NODE_ENV === 'production') return undefined;
  const reader = new EnvReader(env);
  const port = reader.finish(reader.port('EMBEDDED_POSTGRES_PORT', DEFAULT_EMBEDDED_POSTGRES_PORT));
  const running = await new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
  if (running) return undefined;
  const database = new ManagedProcess('postgres', path.join(__dirname, 'embedded-postgres.main.js'), env, true);
  await database.firstJsonLine();
  return database;
}
