import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { CrowdCommand, CrowdReport, CrowdShare } from './live-crowd-worker';

/**
 * The crowd of `live.bench.ts`: graphql-ws clients timing each event against
 * its round, spread over threads (live-crowd-worker.ts) so that reading a
 * thousand sockets a round is not itself what the latency measures.
 */

export interface CrowdOptions {
  /** The graphql-ws URL (ws://…/graphql). */
  url: string;
  clients: number;
  query: string;
  /** Called for each connection (a fresh token each time, if it needs one). */
  connectionParams: () => Record<string, unknown>;
  /** Threads the clients are spread over (default: one per CPU). */
  threads?: number;
  /** Connections a thread opens at once while the crowd gathers. */
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
  threads: number;
}

/** One crowd thread, answering the coordinator's commands with its reports. */
class CrowdThread {
  private readonly worker: Worker;
  private readonly reports: CrowdReport[] = [];
  private waiting?: () => void;
  private failure?: Error;

  constructor(share: CrowdShare) {
    this.worker = new Worker(path.join(__dirname, 'live-crowd-worker.js'), { workerData: share });
    this.worker.on('message', (report: CrowdReport) => {
      this.reports.push(report);
      this.waiting?.();
    });
    this.worker.on('error', (error) => {
      this.failure = error;
      this.waiting?.();
    });
  }

  send(command: CrowdCommand): void {
    this.worker.postMessage(command);
  }

  async next<T extends CrowdReport['type']>(type: T): Promise<Extract<CrowdReport, { type: T }>> {
    for (;;) {
      if (this.failure) throw this.failure;
      const report = this.reports.shift();
      if (report) {
        if (report.type !== type) throw new Error(`crowd thread sent ${report.type}, not ${type}`);
        return report as Extract<CrowdReport, { type: T }>;
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  async close(): Promise<void> {
    if (!this.failure) {
      this.send('dispose');
      await this.next('disposed').catch(() => undefined);
    }
    await this.worker.terminate();
  }
}

/**
 * Connects `clients` graphql-ws clients over `threads` threads, each running
 * `query` (a ticks subscription), waits until every one has had its first
 * event, then records every event for `seconds` while `during` (e.g. a process
 * sampler) runs.
 */
export async function runCrowd(options: CrowdOptions, seconds: number, during: { start(): void | Promise<void>; stop(): void | Promise<void> }): Promise<CrowdResult> {
  const threadCount = Math.max(1, Math.min(options.threads ?? os.cpus().length, options.clients));
  const params = Array.from({ length: options.clients }, () => options.connectionParams());
  const threads = Array.from({ length: threadCount }, (_, index) => new CrowdThread({
    url: options.url,
    query: options.query,
    connectionParams: params.filter((_, client) => client % threadCount === index),
    connectBatch: options.connectBatch ?? 50,
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
  }));
  try {
    const readiness = await Promise.all(threads.map((thread) => thread.next('ready')));
    const ready = readiness.reduce((sum, report) => sum + report.ready, 0);
    const failures = readiness.flatMap((report) => report.failures);
    if (ready < options.clients) {
      throw new Error(`only ${ready} of ${options.clients} clients got an event (${failures.length} failed${failures.length ? `, e.g. ${failures[0]}` : ''})`);
    }

    await during.start();
    for (const thread of threads) thread.send('record');
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    for (const thread of threads) thread.send('stop');
    const elapsed = (performance.now() - started) / 1000;
    await during.stop();
    const recorded = await Promise.all(threads.map((thread) => thread.next('recorded')));

    // A round's first and last client over every thread.
    const rounds = new Map<number, { first: number; last: number }>();
    for (const [round, first, last] of recorded.flatMap((report) => report.rounds)) {
      const seen = rounds.get(round);
      rounds.set(round, seen ? { first: Math.min(seen.first, first), last: Math.max(seen.last, last) } : { first, last });
    }
    const sum = (key: 'events' | 'ticks' | 'errors') => recorded.reduce((total, report) => total + report[key], 0);
    return {
      seconds: elapsed,
      latencies: recorded.flatMap((report) => report.latencies).sort((a, b) => a - b),
      firstPerRound: [...rounds.values()].map((round) => round.first).sort((a, b) => a - b),
      lastPerRound: [...rounds.values()].map((round) => round.last).sort((a, b) => a - b),
      events: sum('events'),
      rounds: rounds.size,
      ticks: sum('ticks'),
      errors: sum('errors'),
      threads: threadCount,
    };
  } finally {
    await Promise.all(threads.map((thread) => thread.close()));
  }
}
