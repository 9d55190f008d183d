import net from 'node:net';
import { parsePrometheusText, sampleValue } from '@herck/common';
import { sendRaw } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { eventually } from './support/users';

/**
 * PostgreSQL out of reach: every subgraph reaches it through a TCP proxy this file first makes
 * hang (nothing answered, as in a network partition), then closes, so new connections are refused
 * and open ones are cut, as when the database host goes away.
 */
let platform: TestPlatform;
let proxy: net.Server;
const sockets = new Set<net.Socket>();
let hanging = false;

beforeAll(async () => {
  const server = new URL(process.env.DATABASE_URL!);
  proxy = net.createServer((client) => {
    sockets.add(client);
    client.on('error', () => client.destroy());
    if (hanging) return;
    const upstream = net.connect(Number(server.port || 5432), server.hostname);
    sockets.add(client).add(upstream);
    const end = () => (client.destroy(), upstream.destroy());
    for (const socket of [client, upstream]) socket.on('error', end).on('close', end);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(server);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((proxy.address() as net.AddressInfo).port);
  const original = process.env.DATABASE_URL;
  process.env.DATABASE_URL = proxied.toString();
  try {
    platform = await startTestPlatform({ STATUS_PROBE_SECONDS: '1' }, { logs: {} });
  } finally {
    process.env.DATABASE_URL = original;
  }
}, 120_000);

afterAll(async () => {
  await platform?.stop().catch(() => undefined);
}, 90_000);

const metricsOf = (url: string) => fetch(new URL('/metrics', url), { signal: AbortSignal.timeout(8_000) });

describe('PostgreSQL out of reach', () => {
  it('answers /readyz (503) and /metrics within seconds while the database hangs', async () => {
    hanging = true;
    for (const socket of sockets) socket.unpipe().pause();
    const started = Date.now();
    const [ready, scrape] = await Promise.all([fetch(new URL('/readyz', platform.logs!.url), { signal: AbortSignal.timeout(8_000) }), metricsOf(platform.logs!.url)]);
    expect({ ready: ready.status, scrape: scrape.status }).toEqual({ ready: 503, scrape: 200 });
    expect(sampleValue(parsePrometheusText(await scrape.text()), 'herck_bus_lag_events', {})).toBeUndefined();
    // Prometheus gives a scrape 10 s by default, a readiness probe is given less.
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 30_000);

  it('turns /readyz and status unready, while /metrics still answers with what the process knows', async () => {
    proxy.close();
    for (const socket of sockets) socket.destroy();

    expect((await fetch(new URL('/readyz', platform.logs!.url))).status).toBe(503);
    await eventually(async () => (await sendRaw<{ status: { healthy: boolean } }>(platform.gatewayUrl, { query: '{ status { healthy } }' })).data?.status.healthy === false);
    // A scrape during an outage is when it matters most: the bus figures cannot be read, the rest can.
    for (const url of [platform.logs!.url, platform.account.url]) {
      const scrape = await metricsOf(url);
      expect({ url, status: scrape.status }).toEqual({ url, status: 200 });
      const samples = parsePrometheusText(await scrape.text());
      expect(sampleValue(samples, 'process_cpu_seconds_total', {})).toBeGreaterThan(0);
      expect(sampleValue(samples, 'herck_bus_lag_events', {})).toBeUndefined();
    }
  }, 30_000);
});
