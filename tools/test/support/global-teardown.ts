import fs from 'node:fs';
import { dropTemplateDatabases } from './template-databases';

export default async function globalTeardown(): Promise<void> {
  // A Redis the run started goes with it (it keeps nothing on disk).
  globalThis.herckTestRedis?.kill('SIGTERM');
  const embedded = globalThis.herckTestPostgres;
  // A server the run did not start outlives it: the run's templates go (an embedded one goes whole).
  if (!embedded) return dropTemplateDatabases(process.env.DATABASE_URL!);
  await embedded.server.stop();
  fs.rmSync(embedded.dir, { recursive: true, force: true });
}
