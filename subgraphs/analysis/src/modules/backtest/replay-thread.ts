import { Worker } from 'node:worker_threads';
import { abandoned, compiledWorkerFile } from '@herck/common';
import { StrategyDefinition } from '../evaluation/strategy-definition';
import { FromReplayThread, ToReplayThread } from './replay-messages';
import { SeriesRequest } from './series-request';

/** Answers a replay's read: the rows, or a page of them as JSON text (series-pages.ts). */
export type PageRead = (request: SeriesRequest) => Promise<unknown[] | string>;

interface Replay {
  worker: Worker;
  read: PageRead;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  /** A read of the store that failed: the replay fails with it (its code kept), not with the thread's copy. */
  readError?: Error;
  /** Its caller went away: answered already; the thread is told to stop it, and it is forgotten once the thread says it ended. */
  cancelled?: boolean;
  /** Stops listening to the caller's signal. */
  forgetSignal: () => void;
}

/** One backtest thread, started when first needed and again after it fails, and the replays under way on it. */
export class ReplayThread {
  private worker: Worker | null = null;
  private readonly replays = new Map<number, Replay>();
  private next = 0;

  /** Replays the thread is working on (one whose caller went away counts until the thread says it ended). */
  get underWay(): number {
    return this.replays.size;
  }

  /**
   * Replays the strategy on the thread, answering its reads with `read`; the result has its Decimals
   * on the wire. When `signal` aborts (the client went away), the replay rejects with its reason at
   * once and the thread stops it at its next read of the store.
   */
  replay(strategy: StrategyDefinition, read: PageRead, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted) return Promise.reject(abandoned(signal));
    const worker = (this.worker ??= this.start());
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const cancel = () => this.cancel(id, abandoned(signal!));
      signal?.addEventListener('abort', cancel, { once: true });
      this.replays.set(id, { worker, read, resolve, reject, forgetSignal: () => signal?.removeEventListener('abort', cancel) });
      this.send(worker, { kind: 'replay', id, strategy });
    });
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private start(): Worker {
    const worker = new Worker(compiledWorkerFile(__filename, 'backtest-thread'));
    // A thread with nothing to do keeps no process alive; one under way has a request waiting for it.
    worker.unref();
    worker.on('message', (message: FromReplayThread) => this.received(worker, message));
    worker.on('error', (error) => this.failed(worker, error));
    worker.on('exit', (code) => this.failed(worker, new Error(`The backtest thread stopped (exit code ${code})`)));
    return worker;
  }

  private received(worker: Worker, message: FromReplayThread): void {
    const replay = this.replays.get(message.id);
    if (!replay) return;
    if (message.kind === 'read') {
      const { id, read } = message;
      // The thread fails a cancelled replay's reads itself.
      if (replay.cancelled) return;
      replay.read(message.request).then(
        (rows) => this.send(worker, { kind: 'rows', id, read, rows }),
        (error: Error) => {
          replay.readError ??= error;
          this.send(worker, { kind: 'rows', id, read, error: error.message });
        },
      );
      return;
    }
    this.replays.delete(message.id);
    replay.forgetSignal();
    if (replay.cancelled) return;
    if ('result' in message) replay.resolve(message.result);
    else replay.reject(replay.readError ?? new Error(message.error));
  }

  /** The caller went away: it is answered now, and the thread stops the replay. */
  private cancel(id: number, reason: unknown): void {
    const replay = this.replays.get(id);
    if (!replay || replay.cancelled) return;
    replay.cancelled = true;
    replay.reject(reason as Error);
    this.send(replay.worker, { kind: 'cancel', id });
  }

  private send(worker: Worker, message: ToReplayThread): void {
    worker.postMessage(message);
  }

  /** The thread is gone (a fault, or stop): what ran on it fails, and the next replay starts another. */
  private failed(worker: Worker, error: Error): void {
    if (this.worker === worker) this.worker = null;
    for (const [id, replay] of this.replays) {
      if (replay.worker !== worker) continue;
      this.replays.delete(id);
      replay.forgetSignal();
      replay.reject(error);
    }
  }
}
