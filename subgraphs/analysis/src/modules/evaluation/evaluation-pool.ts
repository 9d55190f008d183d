import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { compiledWorkerFile } from '@herck/common';
import { ClosedCandle } from '../candle/closed-candle';
import { HistoryReply, WorkerMessage, WorkerRequest } from './evaluation-messages';
import { Evaluator } from './evaluator';
import { signalOf, StrategyDefinition } from './strategy-definition';
import { EvaluationOutcome, HistoryLoader } from './strategy-engine';
import { SymbolState } from './trigger-policy';
import { TriggerMode } from '../strategy/trigger-mode';

type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * One worker thread and its requests under way. A thread that goes (a fault, or stop) fails the
 * requests waiting on it, and the next request starts another; what the thread held (the strategies
 * it watched, their series) went with it, which `lost` is told (the engine is then read again).
 */
class EvaluationWorker {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private next = 0;
  private stopping = false;

  constructor(
    private readonly loadHistory: HistoryLoader,
    private readonly lost: () => void,
  ) {}

  request<T>(request: Request): Promise<T> {
    const worker = (this.worker ??= this.open());
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...request, id });
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const worker = this.worker;
    if (worker) this.failed(worker, new Error('The evaluation worker stopped'));
    await worker?.terminate();
  }

  private open(): Worker {
    const worker = new Worker(compiledWorkerFile(__filename, 'evaluation-worker'));
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'history') {
        this.loadHistory(message.symbol, message.interval, message.count).then(
          (candles) => worker.postMessage({ kind: 'history', requestId: message.requestId, candles } satisfies HistoryReply),
          (error: unknown) => worker.postMessage({ kind: 'history', requestId: message.requestId, candles: [], error: (error as Error).message } satisfies HistoryReply),
        );
        return;
      }
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) waiting?.reject(new Error(message.error));
      else waiting?.resolve(message.result);
    });
    worker.on('error', (error) => this.failed(worker, error));
    worker.on('exit', (code) => this.failed(worker, new Error(`The evaluation worker stopped (exit code ${code})`)));
    return worker;
  }

  /** The thread is gone (a fault reports `error`, then `exit`: the first one counts). */
  private failed(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
    if (!this.stopping) this.lost();
  }
}

/**
 * Strategies spread over worker threads when one core is not enough (uBot's
 * scanner ran ten): each strategy lives in one worker, chosen by its id, with
 * its own copy of the series it reads; a tick goes to every worker and their
 * outcomes are merged. Each worker runs the same StrategyEngine, so results
 * are those of a single engine.
 */
export class EvaluationPool implements Evaluator {
  private readonly workers: EvaluationWorker[];
  /** What each watched strategy evaluates, to answer without asking a worker. */
  private readonly definitions = new Map<string, StrategyDefinition>();

  /** `lost`: a worker thread went, and the strategies it watched with it: they must be watched again (EngineLoader.markStale). */
  constructor(size: number, loadHistory: HistoryLoader, lost: () => void = () => undefined) {
    this.workers = Array.from({ length: size }, () => new EvaluationWorker(loadHistory, lost));
  }

  get size(): number {
    return this.definitions.size;
  }

  async watch(definition: StrategyDefinition, states: Map<string, SymbolState> = new Map(), errorStored = false): Promise<void> {
    this.definitions.set(definition.id, definition);
    await this.workerOf(definition.id).request({ op: 'watch', definition, states, errorStored });
  }

  unwatch(strategyId: string): void {
    this.definitions.delete(strategyId);
    unanswered(this.workerOf(strategyId).request({ op: 'unwatch', strategyId }));
  }

  unwatchAll(): void {
    this.definitions.clear();
    for (const worker of this.workers) unanswered(worker.request({ op: 'unwatchAll' }));
  }

  unwatchOwner(ownerId: string): void {
    for (const [id, definition] of this.definitions) if (definition.ownerId === ownerId) this.definitions.delete(id);
    for (const worker of this.workers) unanswered(worker.request({ op: 'unwatchOwner', ownerId }));
  }

  evaluatesAlike(definition: StrategyDefinition): boolean {
    const watched = this.definitions.get(definition.id);
    return watched !== undefined && signalOf(watched) === signalOf(definition);
  }

  redefine(definition: StrategyDefinition): void {
    if (!this.definitions.has(definition.id)) return;
    this.definitions.set(definition.id, definition);
    unanswered(this.workerOf(definition.id).request({ op: 'redefine', definition }));
  }

  async onTick(symbol: string, time: Date, price: number, change24h: number): Promise<EvaluationOutcome> {
    return this.settled(merge(await Promise.all(this.workers.map((worker) => worker.request<EvaluationOutcome>({ op: 'tick', symbol, time, price, change24h })))));
  }

  async onCandleClosed(candle: ClosedCandle): Promise<EvaluationOutcome> {
    return this.settled(merge(await Promise.all(this.workers.map((worker) => worker.request<EvaluationOutcome>({ op: 'candle', candle })))));
  }

  async onSymbolUntracked(symbol: string): Promise<EvaluationOutcome> {
    return merge(await Promise.all(this.workers.map((worker) => worker.request<EvaluationOutcome>({ op: 'untracked', symbol }))));
  }

  /**
   * A ONCE strategy that fired is no longer watched by its worker's engine: forgotten here too, so
   * that switched back on it is watched anew (a definition kept here made its reload a mere
   * `redefine`, which the worker ignored: it never fired again).
   */
  private settled(outcome: EvaluationOutcome): EvaluationOutcome {
    for (const { strategy } of outcome.firings) if (strategy.trigger === TriggerMode.ONCE) this.definitions.delete(strategy.id);
    return outcome;
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop()));
  }

  private workerOf(strategyId: string): EvaluationWorker {
    return this.workers[createHash('sha1').update(strategyId).digest().readUInt32BE(0) % this.workers.length]!;
  }
}

/**
 * A request nobody waits for: it fails only with its worker, whose loss is told (`lost`) and
 * repaired by reading every strategy again; unhandled, the rejection would stop the process.
 */
function unanswered(request: Promise<unknown>): void {
  request.catch(() => undefined);
}

function merge(outcomes: EvaluationOutcome[]): EvaluationOutcome {
  return {
    firings: outcomes.flatMap((outcome) => outcome.firings),
    states: outcomes.flatMap((outcome) => outcome.states),
    errors: outcomes.flatMap((outcome) => outcome.errors),
    recovered: outcomes.flatMap((outcome) => outcome.recovered),
  };
}
