import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import readline from 'node:readline';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * Helpers of `live.bench.ts`: services in child processes of their own (so
 * their RSS and CPU can be read from /proc), a sampler of those figures, and
 * a crowd of graphql-ws clients timing each event against its round.
 */

/** A port the system just handed out (closed again at once; the child binds it soon after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** One service (`node <script>`) with its output forwarded, line by line, under its name. */
export class ServiceProcess {
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(
    readonly name: string,
    script: string,
    env: NodeJS.ProcessEnv,
  ) {
    // HERCK_PARENT_PID: should the bench die without stopping it, the service stops itself.
    this.child = spawn(process.execPath, [script], { env: { ...env, HERCK_PARENT_PID: String(process.pid) }, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => console.error(`  [${name}] ${line}`));
    }
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Polls `/readyz`; fails if the process exits first or after `timeoutMs`. */
  async waitUntilReady(url: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited during start-up (code ${this.child.exitCode})`);
      const ready = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok).catch(() => false);
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${this.name} did not become ready (${url})`);
  }

  /** SIGTERM (the service drains), SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 20_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export interface ProcessUsage {
  /** Largest VmRSS seen while sampling, in MB. */
  maxRssMb: number;
  /** utime + stime over the sampled span, as a percentage of one core. */
  cpuPercent: number;
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux that Node runs on.

/** The file's text, or '' once the process is gone. */
function procFile(pid: number, file: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

function cpuTicks(pid: number): number {
  const stat = procFile(pid, 'stat');
  // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime (14th field), stime (15th)
}

function rssMb(pid: number): number {
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(procFile(pid, 'status'))?.[1];
  return kb ? Number(kb) / 1024 : 0;
}

/** Samples a process's RSS every `everyMs` from `start()` to `stop()`; CPU from the two ends. */
export class ProcessSampler {
  private timer?: NodeJS.Timeout;
  private maxRss = 0;
  private startTicks = 0;
  private startTime = 0;

  constructor(
    private readonly pid: number,
    private readonly everyMs = 250,
  ) {}

  start(): void {
    this.startTicks = cpuTicks(this.pid);
    this.startTime = performance.now();
    this.maxRss = rssMb(this.pid);
    this.timer = setInterval(() => (this.maxRss = Math.max(this.maxRss, rssMb(this.pid))), this.everyMs);
  }

  stop(): ProcessUsage {
    clearInterval(this.timer);
    this.maxRss = Math.max(this.maxRss, rssMb(this.pid));
    const seconds = (performance.now() - this.startTime) / 1000;
    const cpuSeconds = (cpuTicks(this.pid) - this.startTicks) / CLOCK_TICKS_PER_SECOND;
    return { maxRssMb: this.maxRss, cpuPercent: (cpuSeconds / seconds) * 100 };
  }
}

export interface CrowdOptions {
  /** The graphql-ws URL (ws://…/graphql). */
  url: string;
  clients: number;
  query: string;
  /** Called for each connection (a fresh token each time, if it needs one). */
  connectionParams: () => Record<string, unknown>;
  /** Connections opened at once while the crowd gathers. */
  connectBatch?: number;
  /** How long every client may take to see its first event. */
  readyTimeoutMs?: number;
}

export interface CrowdResult {
  seconds: number;
  /** Receive time minus the round's `time`, per event inside the window, sorted (ms). */
  latencies: number[];
  /** Per round: the first and the last client's latency, sorted (ms). */
  firstPerRound: number[];
  lastPerRound: number[];
  events: number;
  rounds: number;
  ticks: number;
  /** Events that carried errors, and subscriptions that ended in an error or completed. */
  errors: number;
}

interface TickEvent {
  ticks?: { symbol: string; price: string; time: string }[];
}

/** Wall-clock now, below the millisecond. */
const now = () => performance.timeOrigin + performance.now();

/**
 * Connects `clients` graphql-ws clients, each running `query` (a ticks
 * subscription), waits until every one has had its first event, then records
 * every event for `seconds` while `during` (e.g. a process sampler) runs.
 */
export async function runCrowd(options: CrowdOptions, seconds: number, during: { start(): void; stop(): void }): Promise<CrowdResult> {
  const clients: Client[] = [];
  const batch = options.connectBatch ?? 50;
  let recording = false;
  const latencies: number[] = [];
  const perRound = new Map<number, { first: number; last: number }>();
  let events = 0;
  let ticks = 0;
  let errors = 0;
  let ready = 0;
  const failures: string[] = [];

  const onEvent = (result: { data?: unknown; errors?: unknown }) => {
    const received = now();
    if (!recording) return;
    if (result.errors) errors += 1;
    const list = (result.data as TickEvent | null | undefined)?.ticks;
    if (!list?.length) return;
    const round = Date.parse(list[0]!.time);
    const latency = received - round;
    latencies.push(latency);
    events += 1;
    ticks += list.length;
    const seen = perRound.get(round);
    if (seen) seen.last = latency;
    else perRound.set(round, { first: latency, last: latency });
  };

  try {
    for (let start = 0; start < options.clients; start += batch) {
      const connected: Promise<void>[] = [];
      for (let i = start; i < Math.min(options.clients, start + batch); i += 1) {
        let acknowledged: () => void = () => undefined;
        connected.push(new Promise<void>((resolve) => (acknowledged = resolve)));
        const client = createClient({
          url: options.url,
          webSocketImpl: WebSocket,
          lazy: true,
          retryAttempts: 0,
          connectionParams: options.connectionParams,
          on: { connected: () => acknowledged(), closed: () => acknowledged() },
        });
        clients.push(client);
        let first = true;
        client.subscribe(
          { query: options.query },
          {
            next: (result) => {
              if (first) {
                first = false;
                ready += 1;
              }
              onEvent(result);
            },
            error: (error) => {
              errors += 1;
              failures.push(describe(error));
            },
            complete: () => {
              errors += 1;
              failures.push('completed');
            },
          },
        );
      }
      // A batch at a time: its sockets open and acknowledged (or closed) before the next one starts.
      await Promise.race([Promise.all(connected), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    }
    const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
    while (ready + failures.length < options.clients && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    if (ready < options.clients) {
      throw new Error(`only ${ready} of ${options.clients} clients got an event (${failures.length} failed${failures.length ? `, e.g. ${failures[0]}` : ''})`);
    }

    during.start();
    recording = true;
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    recording = false;
    const elapsed = (performance.now() - started) / 1000;
    during.stop();

    const rounds = [...perRound.values()];
    return {
      seconds: elapsed,
      latencies: latencies.sort((a, b) => a - b),
      firstPerRound: rounds.map((round) => round.first).sort((a, b) => a - b),
      lastPerRound: rounds.map((round) => round.last).sort((a, b) => a - b),
      events,
      rounds: rounds.length,
      ticks,
      errors,
    };
  } finally {
    await Promise.all(clients.map((client) => client.dispose()));
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  const code = (error as { code?: number; reason?: string } | null)?.code;
  if (code !== undefined) return `closed ${code} ${(error as { reason?: string }).reason ?? ''}`.trim();
  return JSON.stringify(error);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
