import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * One thread's share of the live bench's crowd (live-clients.ts): its graphql-ws
 * clients, each timing every event against its round. The crowd is spread over
 * threads because one event loop reading a thousand sockets a round would time
 * its own queue: the last client's latency would be mostly the bench's.
 */
export interface CrowdShare {
  url: string;
  query: string;
  /** One per client. */
  connectionParams: Record<string, unknown>[];
  connectBatch: number;
  readyTimeoutMs: number;
}

/** Coordinator → thread. */
export type CrowdCommand = 'record' | 'stop' | 'dispose';

/** Thread → coordinator. */
export type CrowdReport =
  | { type: 'ready'; ready: number; failures: string[] }
  | { type: 'recorded'; latencies: number[]; rounds: [round: number, first: number, last: number][]; events: number; ticks: number; errors: number }
  | { type: 'disposed' };

interface TickEvent {
  ticks?: { symbol: string; price: string; time: string }[];
}

/** Wall-clock now, below the millisecond: comparable across threads. */
const now = () => performance.timeOrigin + performance.now();

async function run(share: CrowdShare, port: NonNullable<typeof parentPort>): Promise<void> {
  const clients: Client[] = [];
  const latencies: number[] = [];
  const perRound = new Map<number, { first: number; last: number }>();
  const failures: string[] = [];
  let recording = false;
  let events = 0;
  let ticks = 0;
  let errors = 0;
  let ready = 0;

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
    if (seen) {
      seen.first = Math.min(seen.first, latency);
      seen.last = Math.max(seen.last, latency);
    } else perRound.set(round, { first: latency, last: latency });
  };

  for (let start = 0; start < share.connectionParams.length; start += share.connectBatch) {
    const connected: Promise<void>[] = [];
    for (const params of share.connectionParams.slice(start, start + share.connectBatch)) {
      let acknowledged: () => void = () => undefined;
      connected.push(new Promise<void>((resolve) => (acknowledged = resolve)));
      const client = createClient({
        url: share.url,
        webSocketImpl: WebSocket,
        lazy: true,
        retryAttempts: 0,
        connectionParams: params,
        on: { connected: () => acknowledged(), closed: () => acknowledged() },
      });
      clients.push(client);
      let first = true;
      client.subscribe(
        { query: share.query },
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
  const deadline = Date.now() + share.readyTimeoutMs;
  while (ready + failures.length < clients.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  port.postMessage({ type: 'ready', ready, failures } satisfies CrowdReport);

  port.on('message', async (command: CrowdCommand) => {
    if (command === 'record') recording = true;
    if (command === 'stop') {
      recording = false;
      const rounds = [...perRound].map(([round, { first, last }]) => [round, first, last] as [number, number, number]);
      port.postMessage({ type: 'recorded', latencies, rounds, events, ticks, errors } satisfies CrowdReport);
    }
    if (command === 'dispose') {
      await Promise.all(clients.map((client) => client.dispose()));
      port.postMessage({ type: 'disposed' } satisfies CrowdReport);
    }
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  const code = (error as { code?: number; reason?: string } | null)?.code;
  if (code !== undefined) return `closed ${code} ${(error as { reason?: string }).reason ?? ''}`.trim();
  return JSON.stringify(error);
}

if (parentPort) void run(workerData as CrowdShare, parentPort);
