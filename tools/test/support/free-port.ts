import fs from 'node:fs';
import { createServer } from 'node:net';

/** Where none of the kernel's own choices fall: it gives `listen(0)` and outgoing connections ports of its ephemeral range. */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    // Not Linux: the range IANA names, which other systems use.
  }
  return [49152, 65535];
}

const [EPHEMERAL_LOW, EPHEMERAL_HIGH] = ephemeralRange();
/** Below the registered services most machines run (databases, brokers on 1024–9999). */
const LOWEST = 10_000;

function canListenOn(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * A port nothing on 127.0.0.1 listens on right now, for a server that must know its port before
 * it starts (the account subgraph writes the gateway's into the links it mails). Taken outside the
 * kernel's ephemeral range: a port the kernel handed out and took back may be handed out again
 * at once, to any process's `listen(0)` or outgoing connection, before the server binds it; a
 * port outside the range is only ever taken by someone choosing it, as here, at random.
 */
export async function freePort(): Promise<number> {
  const candidates = EPHEMERAL_LOW > LOWEST ? [LOWEST, EPHEMERAL_LOW - 1] : [Math.max(LOWEST, EPHEMERAL_HIGH + 1), 65_535];
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = candidates[0]! + Math.floor(Math.random() * (candidates[1]! - candidates[0]! + 1));
    if (await canListenOn(port)) return port;
  }
  throw new Error('no free port outside the ephemeral range after 100 tries');
}
