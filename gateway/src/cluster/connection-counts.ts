import cluster, { Worker } from 'node:cluster';

/** Gives back the place a connection took; once is enough, more calls do nothing. */
export type Release = () => void;

/**
 * Open WebSocket connections per holder (an account, or an anonymous client address), bounded by
 * WS_MAX_CONNECTIONS_PER_ACCOUNT. A gateway worker (GATEWAY_WORKERS) asks the process supervising
 * the workers, which counts for all of them: counted per worker, an account had the limit once
 * per worker.
 */
export interface ConnectionCounts {
  /** Takes a place for one more connection of `holder`: its release, or null when the holder has `limit` open. */
  open(holder: string): Promise<Release | null>;
}

const CHANNEL = 'herck:ws-connections';
/** How long a worker waits for the supervisor's answer before it counts the connection alone. */
const ANSWER_TIMEOUT_MS = 1_000;

type Request = { channel: typeof CHANNEL; type: 'open'; id: number; holder: string; limit: number } | { channel: typeof CHANNEL; type: 'close'; holder: string };
type Answer = { channel: typeof CHANNEL; type: 'opened'; id: number; allowed: boolean };

export function connectionCounts(limit: number): ConnectionCounts {
  return cluster.isWorker ? new SupervisedConnectionCounts(limit) : new LocalConnectionCounts(limit);
}

/** One process's count. */
export class LocalConnectionCounts implements ConnectionCounts {
  private readonly counts = new Map<string, number>();

  constructor(private readonly limit: number) {}

  async open(holder: string): Promise<Release | null> {
    return this.take(holder);
  }

  take(holder: string): Release | null {
    const open = this.counts.get(holder) ?? 0;
    if (open >= this.limit) return null;
    this.counts.set(holder, open + 1);
    return once(() => {
      const left = (this.counts.get(holder) ?? 1) - 1;
      if (left > 0) this.counts.set(holder, left);
      else this.counts.delete(holder);
    });
  }
}

/**
 * A worker's count, kept by the supervisor. A supervisor that does not answer in time (it should
 * not happen: it does nothing else) leaves the worker counting on its own, as before; a place it
 * grants after that is given back at once.
 */
class SupervisedConnectionCounts implements ConnectionCounts {
  private nextId = 0;
  private readonly waiting = new Map<number, (allowed: boolean) => void>();
  private readonly alone: LocalConnectionCounts;

  constructor(private readonly limit: number) {
    this.alone = new LocalConnectionCounts(limit);
    process.on('message', (message: Answer) => {
      if (message?.channel !== CHANNEL || message.type !== 'opened') return;
      this.waiting.get(message.id)?.(message.allowed);
      this.waiting.delete(message.id);
    });
  }

  open(holder: string): Promise<Release | null> {
    const id = (this.nextId += 1);
    return new Promise((resolve) => {
      const timer = setTimeout(
        () =>
          // Timers run before the messages a held event loop has waiting are read: an answer that came in
          // time is taken (it clears `waiting`) before this one gives up on it, once those are read.
          setImmediate(() => {
            if (!this.waiting.has(id)) return;
            // Too late now: a place granted later is given back as soon as it arrives.
            this.waiting.set(id, (allowed) => allowed && this.send({ channel: CHANNEL, type: 'close', holder }));
            resolve(this.alone.take(holder));
          }),
        ANSWER_TIMEOUT_MS,
      );
      timer.unref();
      this.waiting.set(id, (allowed) => {
        clearTimeout(timer);
        resolve(allowed ? once(() => this.send({ channel: CHANNEL, type: 'close', holder })) : null);
      });
      this.send({ channel: CHANNEL, type: 'open', id, holder, limit: this.limit });
    });
  }

  private send(request: Request): void {
    // A supervisor already gone (the gateway is stopping) has nothing left to count.
    if (process.connected) process.send!(request);
  }
}

/**
 * In the supervising process: counts every worker's connections. A worker that exits takes its
 * places with it, so a crashed worker leaves no connection counted that nobody holds.
 */
export function superviseConnectionCounts(): void {
  const open = new Map<string, number>();
  const perWorker = new Map<Worker, Map<string, number>>();
  const change = (worker: Worker, holder: string, by: number) => {
    const total = (open.get(holder) ?? 0) + by;
    if (total > 0) open.set(holder, total);
    else open.delete(holder);
    const own = perWorker.get(worker) ?? new Map<string, number>();
    const mine = (own.get(holder) ?? 0) + by;
    if (mine > 0) own.set(holder, mine);
    else own.delete(holder);
    if (own.size) perWorker.set(worker, own);
    else perWorker.delete(worker);
  };
  cluster.on('message', (worker, message: Request) => {
    if (message?.channel !== CHANNEL) return;
    if (message.type === 'close') {
      if (perWorker.get(worker)?.get(message.holder)) change(worker, message.holder, -1);
      return;
    }
    // A request read after its worker exited (its places already given back) must not take one nobody would release.
    const allowed = !worker.isDead() && (open.get(message.holder) ?? 0) < message.limit;
    if (allowed) change(worker, message.holder, 1);
    const answer: Answer = { channel: CHANNEL, type: 'opened', id: message.id, allowed };
    if (worker.isConnected()) worker.send(answer);
  });
  cluster.on('exit', (worker) => {
    for (const [holder, count] of perWorker.get(worker) ?? []) change(worker, holder, -count);
  });
}

function once(action: () => void): Release {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    action();
  };
}
