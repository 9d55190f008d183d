import net from 'node:net';

/**
 * Which of the named ports something already listens on at `host`: asked before anything
 * starts, so a second `npm start` says Herck is running instead of failing halfway (the
 * embedded database's "lock file already exists", a subgraph's EADDRINUSE).
 */
export async function portsInUse(ports: Record<string, number>, host: string): Promise<string[]> {
  const taken = await Promise.all(Object.entries(ports).map(async ([name, port]) => ((await isListenedOn(port, host)) ? `${port} (${name})` : null)));
  return taken.filter((entry): entry is string => entry !== null);
}

function isListenedOn(port: number, host: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(true) : reject(error)));
    probe.listen(port, host, () => probe.close(() => resolve(false)));
  });
}
