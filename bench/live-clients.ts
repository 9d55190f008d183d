import { performance } from 'node:perf_hooks';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** The crowd of `live.bench.ts`: graphql-ws clients timing each event against its round. */

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
