import cluster, { Worker } from 'node:cluster';
import { aggregateSamples, aggregateSamplesAsJson, MetricsRegistry } from '@herck/common';

const CHANNEL = 'herck:metrics';
/** How long the supervisor waits for a worker's metrics; one that has not answered by then (dying) is left out. */
const WORKER_TIMEOUT_MS = 2_000;
/** How long a worker waits for the supervisor's answer before it answers its own metrics alone. */
const ANSWER_TIMEOUT_MS = 4_000;

/** Every worker's metrics added up: as the exposition `/metrics` answers, or as prom-client's JSON for reading figures. */
type Format = 'text' | 'json';
type Aggregate = string | object[];

type WorkerMessage =
  | { channel: typeof CHANNEL; type: 'ready' }
  | { channel: typeof CHANNEL; type: 'scrape'; id: number; format: Format }
  | { channel: typeof CHANNEL; type: 'samples'; id: number; samples: object[] };
type SupervisorMessage = { channel: typeof CHANNEL; type: 'collect'; id: number } | { channel: typeof CHANNEL; type: 'scraped'; id: number; aggregate: Aggregate | null };

/**
 * A gateway worker's metrics (GATEWAY_WORKERS): `/metrics` answers every worker's together, added
 * up by the process supervising them, so a scrape shows the same counters whichever worker it
 * reaches (and `status` the same figures). A supervisor that does not answer in time (it should
 * not happen: it does little else) leaves the worker answering its own, as before.
 */
export class WorkerMetricsRegistry extends MetricsRegistry {
  private nextId = 0;
  private readonly waiting = new Map<number, (aggregate: Aggregate | null) => void>();

  constructor(service: string) {
    super(service);
    process.on('message', (message: SupervisorMessage) => {
      if (message?.channel !== CHANNEL) return;
      if (message.type === 'collect') {
        void this.samples().then(
          (samples) => this.send({ channel: CHANNEL, type: 'samples', id: message.id, samples }),
          () => this.send({ channel: CHANNEL, type: 'samples', id: message.id, samples: [] }),
        );
        return;
      }
      this.waiting.get(message.id)?.(message.aggregate);
      this.waiting.delete(message.id);
    });
    // Asked for its metrics from now on.
    this.send({ channel: CHANNEL, type: 'ready' });
  }

  override async exposition(): Promise<string> {
    const text = await this.everyWorkers('text');
    return typeof text === 'string' ? text : super.exposition();
  }

  /** Every worker's metrics added up, as prom-client's JSON; this worker's alone if the supervisor does not answer. */
  async clusterSamples(): Promise<object[]> {
    const samples = await this.everyWorkers('json');
    return Array.isArray(samples) ? samples : this.samples();
  }

  /** The supervisor's sum of every worker's metrics, or null (no supervisor, or none in time). */
  private async everyWorkers(format: Format): Promise<Aggregate | null> {
    if (!process.connected) return null;
    const id = (this.nextId += 1);
    return new Promise<Aggregate | null>((resolve) => {
      const timer = setTimeout(
        () =>
          // Timers run before the messages a held event loop has waiting are read: an answer that came in
          // time is taken (it clears `waiting`) before this one gives up on it, once those are read.
          setImmediate(() => {
            if (!this.waiting.delete(id)) return;
            resolve(null);
          }),
        ANSWER_TIMEOUT_MS,
      );
      timer.unref();
      this.waiting.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.send({ channel: CHANNEL, type: 'scrape', id, format });
    });
  }

  private send(message: WorkerMessage): void {
    // A supervisor already gone (the gateway is stopping) has nothing to add up.
    if (process.connected) process.send!(message);
  }
}

/**
 * In the supervising process: answers a worker's scrape with every ready worker's metrics added
 * up (prom-client's cluster aggregation). A worker that exits is no longer asked, nor waited for.
 * One that is alive but does not answer in time (its event loop held) counts with its latest
 * answer: left out, its counters would drop from the sums for one scrape and come back at the
 * next, which Prometheus reads as a reset and a jump.
 */
export function superviseMetrics(): void {
  const ready = new Set<Worker>();
  /** Each ready worker's latest metrics, until it exits. */
  const latest = new Map<Worker, object[]>();
  const gathering = new Map<number, { pending: Set<Worker>; samples: object[][]; finish: () => void }>();
  let nextId = 0;

  const gather = () =>
    new Promise<object[][]>((resolve) => {
      const id = (nextId += 1);
      const pending = new Set([...ready].filter((worker) => worker.isConnected()));
      const samples: object[][] = [];
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        gathering.delete(id);
        // Those still pending are alive (an exit removes them): their latest answer stands in.
        for (const worker of pending) if (latest.has(worker)) samples.push(latest.get(worker)!);
        resolve(samples);
      };
      const timer = setTimeout(finish, WORKER_TIMEOUT_MS);
      gathering.set(id, { pending, samples, finish });
      for (const worker of pending) worker.send({ channel: CHANNEL, type: 'collect', id } satisfies SupervisorMessage);
      if (!pending.size) finish();
    });

  cluster.on('message', (worker, message: WorkerMessage) => {
    if (message?.channel !== CHANNEL) return;
    if (message.type === 'ready') {
      ready.add(worker);
    } else if (message.type === 'samples') {
      // Also an answer that comes too late for its scrape: the next one that waits in vain has it.
      if (ready.has(worker)) latest.set(worker, message.samples);
      const request = gathering.get(message.id);
      if (!request?.pending.delete(worker)) return;
      request.samples.push(message.samples);
      if (!request.pending.size) request.finish();
    } else {
      void gather()
        .then((perWorker): Promise<Aggregate> => (message.format === 'json' ? aggregateSamplesAsJson(perWorker) : aggregateSamples(perWorker)))
        .catch(() => null)
        .then((aggregate) => {
          if (worker.isConnected()) worker.send({ channel: CHANNEL, type: 'scraped', id: message.id, aggregate } satisfies SupervisorMessage);
        });
    }
  });
  cluster.on('exit', (worker) => {
    ready.delete(worker);
    latest.delete(worker);
    for (const request of gathering.values()) if (request.pending.delete(worker) && !request.pending.size) request.finish();
  });
}
