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
  const [first, last] = portWindow();
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = first + Math.floor(Math.random() * (last - first + 1));
    if (await canListenOn(port)) return port;
  }
  throw new Error(`no free port in ${first}-${last} after 100 tries`);
}

/** `count` different free ports, for servers that start together. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** Below the ephemeral range, or above it where it starts too low to leave room. */
function portWindow(): [number, number] {
  if (EPHEMERAL_LOW - 1 >= LOWEST + 1000) return [LOWEST, EPHEMERAL_LOW - 1];
  if (EPHEMERAL_HIGH + 1 <= 65_535 - 1000) return [Math.max(LOWEST, EPHEMERAL_HIGH + 1), 65_535];
  throw new Error(`the ephemeral port range ${EPHEMERAL_LOW}-${EPHEMERAL_HIGH} leaves no room for chosen ports: narrow it (net.ipv4.ip_local_port_range)`);
}
