import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { EnvReader, Logger, LogShipper, openServiceLogger, readBaseConfig } from '@herck/common';
import type { StoredLogEntry } from '@herck/logs';
import { LogsDocument, logIn, MeDocument, send, signUp, startTestPlatform } from '@herck/tools/test-support';
import { BenchDatabase, withBenchDatabase } from './bench-database';
import { ProcessSampler } from './bench-processes';
import { percentile, printLatencies, timed } from './timing';

/**
 * Logs speed, measured in one run: entries per second through shipping into
 * the store, `logs` text search over millions of stored entries, and a
 * service's request latency while it ships its lines to logs, with logs up and
 * with logs down.
 */
const SHIPPED = Number(process.env.BENCH_SHIPPED_LOGS ?? 300_000);
const SHIPPERS = Number(process.env.BENCH_LOG_SHIPPERS ?? 4);
const STORED = Number(process.env.BENCH_STORED_LOGS ?? 5_000_000);
const SEARCHES = 50;
const REQUESTS = 300;
const ADMIN = { email: 'bench@example.com', password: 'bench-Admin-passphrase-42' };
const WORDS = ['timeout', 'provider', 'coingecko', 'order', 'placed', 'refused', 'webhook', 'delivered', 'candle', 'closed', 'session', 'expired', 'strategy', 'fired', 'retry', 'cache'];

const line = (name: string, times: number[]) => printLatencies(name, times);

/** A log message of a few words from a small vocabulary, so text searches match a fraction of entries. */
function message(index: number): string {
  return `${WORDS[index % WORDS.length]} ${WORDS[(index * 7) % WORDS.length]} ${WORDS[(index * 13) % WORDS.length]} #${index}`;
}

/**
 * One shipping service in a thread of its own: makes its `entries` lines first (a service's
 * logger makes them whether or not they are shipped: not what is measured), then, once every
 * thread is ready, pushes them, never more than the buffer holds unsent (a service producing
 * faster than logs takes them would drop the excess, which is not what is measured here either),
 * and reports what it shipped.
 */
interface ShipperThread {
  ready: Promise<void>;
  go(): void;
  done: Promise<{ shipped: number; dropped: number }>;
}

function startShipperThread(env: NodeJS.ProcessEnv, service: string, entries: number): ShipperThread {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { EnvReader, openServiceLogger, readBaseConfig } = require(workerData.common);
    const { service, entries, env, words } = workerData;
    const shipper = openServiceLogger(service, readBaseConfig(new EnvReader(env)), env).shipper;
    const lines = [];
    for (let index = 0; index < entries; index++) {
      lines.push(JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: words[index % words.length] + ' ' + words[(index * 7) % words.length] + ' #' + index, index }));
    }
    parentPort.postMessage('ready');
    parentPort.once('message', async () => {
      for (const line of lines) {
        shipper.push(line);
        // Every 10 ms, not every millisecond: four threads waking a thousand times a second took CPU from what is measured.
        while (shipper.stats().buffered >= 10000) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      while (shipper.stats().buffered) await shipper.flush();
      parentPort.postMessage(shipper.stats());
      await shipper.close(100);
    });`;
  const worker = new Worker(code, { eval: true, workerData: { common: require.resolve('@herck/common'), service, entries, env, words: WORDS } });
  const failed = new Promise<never>((_, reject) => worker.once('error', reject));
  const message = () => Promise.race([new Promise<unknown>((resolve) => worker.once('message', resolve)), failed]);
  const ready = message().then(() => undefined);
  return { ready, go: () => worker.postMessage('go'), done: ready.then(() => message()) as Promise<{ shipped: number; dropped: number }> };
}

async function main({ postmasterPid }: BenchDatabase): Promise<void> {
  const shippers: Record<string, LogShipper> = {};
  const platform = await startTestPlatform(
    { HERCK_ADMIN_EMAIL: ADMIN.email, HERCK_ADMIN_PASSWORD: ADMIN.password, LOGS_MAX_BYTES_PER_SERVICE: String(1e12), LOGS_KEEP_BYTES_PER_SERVICE: String(1e11) },
    // Account logs every operation (debug) and ships it: the service whose latency is measured.
    { logs: {}, loggers: { account: new Logger('account', 'debug', {}, (entry) => shippers.account?.push(entry)) } },
  );
  try {
    const env = { ...platform.env, LOG_SHIPPING: 'true', LOGS_URL: platform.logs!.url, LOG_SHIPPING_MAX_BUFFERED: '20000' };
    const base = readBaseConfig(new EnvReader(env));
    const shipperFor = (service: string) => openServiceLogger(service, base, env).shipper!;

    // 1. Entries through shipping into the store: shippers in worker threads (event loops of their own,
    //    as other processes would be) send as fast as logs takes them; the logs subgraph runs here.
    const perShipper = Math.ceil(SHIPPED / SHIPPERS);
    const threads = Array.from({ length: SHIPPERS }, (_, index) => startShipperThread(env, `bench-${index}`, perShipper));
    await Promise.all(threads.map((thread) => thread.ready));
    const here = new ProcessSampler(process.pid, 250, postmasterPid ? [postmasterPid] : []);
    const postgres = postmasterPid ? new ProcessSampler(postmasterPid) : undefined;
    here.start();
    postgres?.start();
    const started = performance.now();
    for (const thread of threads) thread.go();
    const results = await Promise.all(threads.map((thread) => thread.done));
    const seconds = (performance.now() - started) / 1000;
    const cpu = { here: here.stop(), postgres: postgres?.stop() };
    const shipped = results.reduce((sum, result) => sum + result.shipped, 0);
    const dropped = results.reduce((sum, result) => sum + result.dropped, 0);
    console.log(`shipping: ${shipped} entries from ${SHIPPERS} shipper threads in ${seconds.toFixed(1)} s = ${Math.round(shipped / seconds)} entries/s (target >= 50000), ${dropped} dropped`);
    const perEntry = (cpuSeconds: number) => `${((cpuSeconds * 1e6) / shipped).toFixed(1)} µs`;
    console.log(
      `shipping CPU per entry: shippers and logs (this process) ${perEntry(cpu.here.cpuSeconds)}` +
        (cpu.postgres ? `, PostgreSQL ${perEntry(cpu.postgres.cpuSeconds)}` : '') +
        ` (${os.cpus().length} CPUs)`,
    );

    // 2. Text search over STORED entries (bulk-loaded straight into the store; shipping was measured above).
    const store = platform.logs!.store;
    const loadStarted = performance.now();
    const batch = 5_000;
    const day = Date.now() - 86_400_000;
    for (let offset = shipped; offset < STORED; offset += batch) {
      const entries: StoredLogEntry[] = [];
      for (let index = offset; index < Math.min(STORED, offset + batch); index++) {
        const text = message(index);
        entries.push({ id: randomUUID(), time: new Date(day + (index % 86_400_000)), service: `bench-${index % SHIPPERS}`, level: index % 50 === 0 ? 'error' : 'info', message: text, requestId: null, fields: { index }, bytes: text.length + 80 });
      }
      await store.insert(entries);
    }
    console.log(`loaded ${STORED} entries in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s`);
    const admin = await logIn(platform, ADMIN.email, ADMIN.password);
    const search = async (text: string, services?: string[]) => {
      const answer = await send(platform.gatewayUrl, LogsDocument, { filter: { text, ...(services && { services }) }, first: 50 }, admin.accessToken);
      if (answer.errors) throw new Error(JSON.stringify(answer.errors));
      return answer.data!.logs.edges.length;
    };
    line(`logs text search over ${STORED} (one word)`, await timed(SEARCHES, () => search(WORDS[Math.floor(Math.random() * WORDS.length)]!)));
    line(`logs text search over ${STORED} (two words)`, await timed(SEARCHES, () => search('timeout coingecko')));
    line(`logs text search, one service (two words)`, await timed(SEARCHES, () => search('refused webhook', ['bench-1'])));

    // 3. A service's requests while it ships its lines: logs up, then logs down (shipping fails and backs off).
    shippers.account = shipperFor('account');
    const user = await signUp(platform);
    const me = () => send(platform.gatewayUrl, MeDocument, {}, user.accessToken);
    await timed(50, me);
    const up = await timed(REQUESTS, me);
    await platform.logs!.stop();
    await timed(50, me);
    const down = await timed(REQUESTS, me);
    line('me via gateway, account shipping, logs up', up);
    line('me via gateway, account shipping, logs down', down);
    console.log(`me logs down / logs up: p50 ${(percentile(down, 50) / percentile(up, 50)).toFixed(2)}, p99 ${(percentile(down, 99) / percentile(up, 99)).toFixed(2)}; account shipper ${JSON.stringify(shippers.account.stats())}`);
    await shippers.account.close(100);
  } finally {
    await platform.stop().catch(() => undefined);
  }
}

withBenchDatabase(main).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
