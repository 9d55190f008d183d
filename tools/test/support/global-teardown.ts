import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const embedded = globalThis.herckTestPostgres;
  if (!embedded) return;
  await embedded.server.stop();
  fs.rmSync(embedded.dir, { recursive: true, force: true });
}
