import { abandoned, compiledWorkerFile, WorkerThread } from '@herck/common';
import { StrategyDefinition } from '../evaluation/strategy-definition';
import { FromReplayThread, ToReplayThread } from './replay-messages';
import { SeriesRequest } from './series-request';

/** Answers a replay's read: the rows, or a page of them as JSON text (series-pages.ts). */
export type PageRead = (request: SeriesRequest) => Promise<unknown[] | string>;

interface Replay {
  read: PageRead;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  /** The thread went: the replay fails with its error. */
  fail: (error: Error) => void;
  /** A read of the store that failed: the replay fails with it (its code kept), not with the thread's copy. */
  readError?: Error;
  /** Its caller went away: answered already; the thread is told to stop it, and it is forgotten once the thread says it ended. */
  cancelled?: boolean;
  /** Shared with the thread: set to 1 to stop the replay at its next row (see ToReplayThread). */
  stop: Int32Array;
  /** Stops listening to the caller's signal. */
  forgetSignal: () => void;
}

/** One backtest thread, started when first needed and again after it fails, and the replays under way on it. */
export class ReplayThread {
  private readonly thread = new WorkerThread<Replay, FromReplayThread>(compiledWorkerFile(__filename, 'backtest-thread'), 'backtest thread', (message) => this.received(message));

  /** Replays the thread is working on (one whose caller went away counts until the thread says it ended). */
  get underWay(): number {
    return this.thread.size;
  }

  /**
   * Replays the strategy on the thread, answering its reads with `read`; the result has its Decimals
   * on the wire. When `signal` aborts (the client went away), the replay rejects with its reason at
   * once and the thread stops it at its next row: the thread is free for the next backtest at once,
   * not once it has replayed the page in its hands (and the one it read ahead).
   */
  replay(strategy: StrategyDefinition, read: PageRead, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted) return Promise.reject(abandoned(signal));
    return new Promise((resolve, reject) => {
      let id = -1;
      const cancel = () => this.cancel(id, abandoned(signal!));
      const forgetSignal = () => signal?.removeEventListener('abort', cancel);
      const fail = (error: Error) => {
        forgetSignal();
        reject(error);
      };
      const stop = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
      id = this.thread.start({ read, resolve, reject, fail, forgetSignal, stop }, (id) => ({ kind: 'replay', id, strategy, stop }) satisfies ToReplayThread);
      signal?.addEventListener('abort', cancel, { once: true });
    });
  }

  stop(): Promise<void> {
    return this.thread.stop();
  }

  private received(message: FromReplayThread): void {
    const replay = this.thread.job(message.id);
    if (!replay) return;
    if (message.kind === 'read') {
      const { id, read } = message;
      // The thread fails a cancelled replay's reads itself.
      if (replay.cancelled) return;
      replay.read(message.request).then(
        (rows) => this.send(id, { kind: 'rows', id, read, rows }),
        (error: Error) => {
          replay.readError ??= error;
          this.send(id, { kind: 'rows', id, read, error: error.message });
        },
      );
      return;
    }
    this.thread.ended(message.id);
    replay.forgetSignal();
    if (replay.cancelled) return;
    if ('result' in message) replay.resolve(message.result);
    else replay.reject(replay.readError ?? new Error(message.error));
  }

  /** The caller went away: it is answered now, and the thread stops the replay. */
  private cancel(id: number, reason: unknown): void {
    const replay = this.thread.job(id);
    if (!replay || replay.cancelled) return;
    replay.cancelled = true;
    replay.reject(reason as Error);
    Atomics.store(replay.stop, 0, 1);
    // For a replay waiting for a read: the thread fails its reads, as it hears this.
    this.send(id, { kind: 'cancel', id });
  }

  private send(id: number, message: ToReplayThread): void {
    this.thread.send(id, message);
  }
}
