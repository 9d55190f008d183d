import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import readline from 'node:readline';

/**
 * Services of a benchmark in child processes of their own (so their RSS and
 * CPU can be read from /proc), and a sampler of those figures.
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
    args: string[] = [],
  ) {
    // BENCH_PROFILE=gateway,market: those services write a V8 CPU profile when they stop (into BENCH_PROFILE_DIR).
    const profiled = (process.env.BENCH_PROFILE ?? '').split(',').includes(name);
    const profiling = profiled ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR ?? 'bench-profiles'}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : [];
    // HERCK_PARENT_PID: should the bench die without stopping it, the service stops itself.
    this.child = spawn(process.execPath, [...profiling, script, ...args], { env: { ...env, HERCK_PARENT_PID: String(process.pid) }, stdio: ['ignore', 'pipe', 'pipe'] });
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
  /** utime + stime over the sampled span, in seconds (10 ms resolution). */
  cpuSeconds: number;
  /** The part of cpuSeconds spent in the kernel (stime): system calls, the loopback network, waking others. */
  systemSeconds: number;
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

/** The process and its children (a gateway's workers, GATEWAY_WORKERS), but for the `excluded` ones and theirs. */
function processTree(pid: number, excluded: number[] = []): number[] {
  if (excluded.includes(pid)) return [];
  const children = procFile(pid, `task/${pid}/children`).trim();
  return [pid, ...(children ? children.split(' ').map(Number).flatMap((child) => processTree(child, excluded)) : [])];
}

/** The process's child processes (the services a bench started), to leave out of its own figures. */
export function childProcesses(pid: number): number[] {
  const children = procFile(pid, `task/${pid}/children`).trim();
  return children ? children.split(' ').map(Number) : [];
}

/** CPU ticks of the process tree: all of them, and those in the kernel. */
function cpuTicks(pid: number, excluded: number[] = []): { all: number; system: number } {
  return processTree(pid, excluded).reduce(
    (total, member) => {
      const stat = procFile(member, 'stat');
      // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = (indexes: number[]) => indexes.reduce((sum, field) => sum + (Number(fields[field]) || 0), 0);
      // utime and stime (14th, 15th fields), and cutime and cstime (16th, 17th): children that exited
      // during the span (a database backend, an autovacuum worker) count through their parent.
      return { all: total.all + ticks([11, 12, 13, 14]), system: total.system + ticks([12, 14]) };
    },
    { all: 0, system: 0 },
  );
}

function rssMb(pid: number, excluded: number[] = []): number {
  return processTree(pid, excluded).reduce((total, member) => {
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(procFile(member, 'status'))?.[1];
    return total + (kb ? Number(kb) / 1024 : 0);
  }, 0);
}

/** Samples the RSS of a process and its children every `everyMs` from `start()` to `stop()`; their CPU from the two ends. */
export class ProcessSampler {
  private timer?: NodeJS.Timeout;
  private maxRss = 0;
  private startTicks = { all: 0, system: 0 };
  private startTime = 0;

  constructor(
    private readonly pid: number,
    private readonly everyMs = 250,
    /** Children not counted (an embedded database the process started). */
    private readonly excluded: number[] = [],
  ) {}

  start(): void {
    this.startTicks = cpuTicks(this.pid, this.excluded);
    this.startTime = performance.now();
    this.maxRss = rssMb(this.pid, this.excluded);
    this.timer = setInterval(() => (this.maxRss = Math.max(this.maxRss, rssMb(this.pid, this.excluded))), this.everyMs);
  }

  stop(): ProcessUsage {
    clearInterval(this.timer);
    this.maxRss = Math.max(this.maxRss, rssMb(this.pid, this.excluded));
    const seconds = (performance.now() - this.startTime) / 1000;
    const ticks = cpuTicks(this.pid, this.excluded);
    const cpuSeconds = (ticks.all - this.startTicks.all) / CLOCK_TICKS_PER_SECOND;
    const systemSeconds = (ticks.system - this.startTicks.system) / CLOCK_TICKS_PER_SECOND;
    return { maxRssMb: this.maxRss, cpuPercent: (cpuSeconds / seconds) * 100, cpuSeconds, systemSeconds };
  }
}
