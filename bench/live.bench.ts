import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { INTERNAL_TOKEN_HEADER } from '@herck/common';
import { signUp } from '@herck/tools/test-support';
import path from 'node:path';
import { childProcesses, freePort, ProcessSampler, ProcessUsage, ServiceProcess } from './bench-processes';
import { percentile } from './timing';
import { atCleanUp, runBench, startBenchPlatform } from './bench-platform';
import { CrowdResult, runCrowd } from './live-clients';
import { describeBetween, scrapeHistogram, ScrapedHistogram } from './scraped-histogram';

/**
 * Live speed (issue 7, "Speed"): BENCH_CLIENTS graphql-ws clients, each
 * subscribed to every symbol's ticks, one round per second, for BENCH_SECONDS;
 * first through the gateway, then directly against the market subgraph (with
 * the gateway's internal token), then against a bare graphql-ws server that
 * only writes each round to every socket (live-floor-server.ts): the floor
 * this machine sets under any gateway. The services run as child processes, as
 * `npm start` runs them, so their RSS and CPU are their own; the clients run in
 * threads here (BENCH_CROWD_THREADS, one per CPU by default).
 */
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const QUERY = 'subscription { ticks { symbol price time } }';
/** Threads the clients are spread over (see live-clients.ts). */
const CROWD_THREADS = Number(process.env.BENCH_CROWD_THREADS ?? os.cpus().length);

const TARGET_P99_MS = 20;
const TARGET_RATIO = 1.3;
const TARGET_RSS_MB = 250;

async function main(): Promise<void> {
  const platform = await startBenchPlatform({
    // Every bench client is the same account.
    WS_MAX_CONNECTIONS_PER_ACCOUNT: String(CLIENTS + 100),
    // Every client subscribes as the same user: its operation budget must not be what is measured.
    RATE_LIMIT_USER_PER_MINUTE: '0',
  });
  const { accessToken } = await signUp(platform);
  const { signer, gateway } = platform;
  const market = platform.services.market!;

  console.log(`${CLIENTS} graphql-ws clients × all symbols' ticks, one round per second, ${SECONDS} s per run, clients on ${CROWD_THREADS} threads (${os.cpus().length} CPUs, Node ${process.version})`);

  /** Where a round's time goes, from the services' own histograms (see README, Metrics). */
  const timings: { label: string; url: string; metric: string; labels?: Record<string, string> }[] = [
    { label: "market: a round's boundary to its publication", url: platform.subgraphUrl('market'), metric: 'herck_market_round_published_seconds' },
    { label: "gateway: an event's query plan to its last socket", url: platform.gatewayUrl, metric: 'herck_ws_event_delivery_seconds', labels: { subgraph: 'market' } },
  ];
  const scrape = (timed: typeof timings) => Promise.all(timed.map((timing) => scrapeHistogram(timing.url, timing.metric, timing.labels)));

  const run = async (name: string, wsUrl: string, connectionParams: () => Record<string, unknown>, pid: number, timed: typeof timings = []) => {
    const sampler = new ProcessSampler(pid);
    // The clients share the machine: what they spend reading their events is CPU the server does not have.
    const crowdSampler = new ProcessSampler(process.pid, undefined, childProcesses(process.pid));
    let usage: ProcessUsage | undefined;
    let crowd: ProcessUsage | undefined;
    let timingsBefore: ScrapedHistogram[] = [];
    let timingsAfter: ScrapedHistogram[] = [];
    const result = await runCrowd({ url: wsUrl, clients: CLIENTS, query: QUERY, connectionParams, threads: CROWD_THREADS }, SECONDS, {
      start: async () => {
        timingsBefore = await scrape(timed);
        sampler.start();
        crowdSampler.start();
      },
      stop: async () => {
        usage = sampler.stop();
        crowd = crowdSampler.stop();
        timingsAfter = await scrape(timed);
      },
    });
    report(name, result, usage!, crowd!);
    timed.forEach((timing, index) => console.log(`  ${timing.label.padEnd(52)} ${describeBetween(timingsBefore[index]!, timingsAfter[index]!)}`));
    return { result, usage: usage! };
  };

  const viaGateway = await run('via gateway', platform.gatewayUrl.replace(/^http/, 'ws'), () => ({ Authorization: `Bearer ${accessToken}` }), gateway.pid, timings);
  const direct = await run('direct to market', platform.subgraphUrl('market').replace(/^http/, 'ws'), () => ({ [INTERNAL_TOKEN_HEADER]: signer.sign({ accountId: randomUUID(), roles: ['USER'] }, 'market') }), market.pid, timings.slice(0, 1));
  // The same crowd and rounds of the same size from a server that does nothing but write them.
  const floorPort = await freePort();
  const symbols = viaGateway.result.ticks / Math.max(viaGateway.result.events, 1);
  const floorServer = new ServiceProcess('floor', path.join(__dirname, 'live-floor-server.js'), process.env, [String(floorPort), String(Math.round(symbols))]);
  atCleanUp(() => floorServer.stop());
  await floorServer.waitUntilReady(`http://127.0.0.1:${floorPort}/readyz`);
  const floor = await run('bare ws fan-out (the floor)', `ws://127.0.0.1:${floorPort}/graphql`, () => ({}), floorServer.pid);
  await floorServer.stop();

  const p50Ratio = percentile(viaGateway.result.latencies, 50) / percentile(direct.result.latencies, 50);
  const p99Ratio = percentile(viaGateway.result.latencies, 99) / percentile(direct.result.latencies, 99);
  console.log(`\nlatency gateway / direct: p50 ${p50Ratio.toFixed(2)}   p99 ${p99Ratio.toFixed(2)}   (target p99 ≤ ${TARGET_RATIO}× direct)`);
  console.log(
    `targets: p99 via gateway ${percentile(viaGateway.result.latencies, 99).toFixed(1)} ms (≤ ${TARGET_P99_MS} ms), ` +
      `ratio ${p99Ratio.toFixed(2)} (≤ ${TARGET_RATIO}), gateway RSS ${viaGateway.usage.maxRssMb.toFixed(0)} MB (≤ ${TARGET_RSS_MB} MB)`,
  );
  console.log(
    `the floor on this machine: p99 ${percentile(floor.result.latencies, 99).toFixed(1)} ms with nothing but the writes; ` +
      `the gateway's p99 is ${(percentile(viaGateway.result.latencies, 99) / percentile(floor.result.latencies, 99)).toFixed(2)}× it`,
  );
}

function report(name: string, result: CrowdResult, usage: ProcessUsage, crowd: ProcessUsage): void {
  const ms = (sorted: number[], p: number) => `${percentile(sorted, p).toFixed(1).padStart(7)} ms`;
  const expected = result.rounds * CLIENTS;
  console.log(`\n${name}`);
  console.log(`  tick-to-client latency         p50 ${ms(result.latencies, 50)}   p99 ${ms(result.latencies, 99)}   max ${ms(result.latencies, 100)}`);
  console.log(`  first client of a round        p50 ${ms(result.firstPerRound, 50)}   p99 ${ms(result.firstPerRound, 99)}   (round commit + first send)`);
  console.log(`  last client of a round         p50 ${ms(result.lastPerRound, 50)}   p99 ${ms(result.lastPerRound, 99)}`);
  console.log(
    `  events delivered               ${(result.events / result.seconds).toFixed(0)} /s   (${result.events} of ${expected} over ${result.rounds} rounds, ` +
      `${(result.ticks / Math.max(result.events, 1)).toFixed(1)} ticks each, ${result.errors} errors)`,
  );
  const perRound = (cpu: ProcessUsage) => `${((cpu.cpuSeconds * 1000) / Math.max(result.rounds, 1)).toFixed(0)} ms per round, ${((100 * cpu.systemSeconds) / Math.max(cpu.cpuSeconds, 1e-9)).toFixed(0)} % in the kernel`;
  console.log(`  ${name === 'via gateway' ? 'gateway' : name === 'direct to market' ? 'market ' : 'server '} process                RSS max ${usage.maxRssMb.toFixed(0)} MB   CPU ${usage.cpuPercent.toFixed(0)} % of one core (${perRound(usage)})`);
  console.log(`  the clients (this process)     CPU ${crowd.cpuPercent.toFixed(0)} % of one core (${perRound(crowd)})`);
  console.log(`  host load average (1 min)      ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} CPUs`);
}

runBench(main);
