import { parentPort } from 'node:worker_threads';
import { toWire } from '@herck/common/decimal';
import { REPLAY_STOPPED, replayBacktest } from './backtest-replay';
import { FromReplayThread, ToReplayThread } from './replay-messages';
import { rowsOfPage } from './series-pages';
import { SeriesRequest } from './series-request';
import type { StrategyDefinition } from '../evaluation/strategy-definition';

/**
 * A thread of the Backtester: replays each backtest it is sent. The database stays with the
 * service's thread: each page of rows is asked for when the replay is about to reach it, so a
 * thread holds two pages of candles and two of ticks at most (SeriesReader), never a whole range.
 */
const port = parentPort!;
/** Reads asked for and not yet answered, by their number, with the replay that asked. */
const reads = new Map<number, { id: number; resolve: (rows: unknown[] | string) => void; reject: (error: Error) => void }>();
let nextRead = 0;
/** Replays under way here. */
const running = new Set<number>();
/** Replays whose caller went away: their reads fail here, so one waiting for the store stops without waiting for it (one replaying stops at its next row: its `stop`). */
const cancelled = new Set<number>();

const send = (message: FromReplayThread): void => port.postMessage(message);

/** Whether the service's thread has set a replay's `stop` (its caller went away). */
const stopped = (stop: Int32Array) => () => Atomics.load(stop, 0) === 1;

/** The replay `id`'s reads, asked of the service's thread (none once it is stopped). */
function readFor(id: number, strategy: StrategyDefinition, isStopped: () => boolean) {
  return async (request: SeriesRequest): Promise<unknown[]> => {
    const answer = await new Promise<unknown[] | string>((resolve, reject) => {
      if (cancelled.has(id) || isStopped()) return reject(new Error(REPLAY_STOPPED));
      const read = nextRead++;
      reads.set(read, { id, resolve, reject });
      send({ kind: 'read', id, read, request });
    });
    return typeof answer === 'string' ? rowsOfPage(request, strategy.interval, answer) : answer;
  };
}

port.on('message', (message: ToReplayThread) => {
  if (message.kind === 'rows') {
    const waiting = reads.get(message.read);
    reads.delete(message.read);
    if ('rows' in message) waiting?.resolve(message.rows);
    else waiting?.reject(new Error(message.error));
    return;
  }
  const { id } = message;
  if (message.kind === 'cancel') {
    // One that ended as its cancellation was on its way has nothing left to stop.
    if (!running.has(id)) return;
    cancelled.add(id);
    for (const [read, waiting] of reads) {
      if (waiting.id !== id) continue;
      reads.delete(read);
      waiting.reject(new Error(REPLAY_STOPPED));
    }
    return;
  }
  running.add(id);
  const isStopped = stopped(message.stop);
  replayBacktest(message.strategy, readFor(id, message.strategy, isStopped), isStopped)
    .then(
      (result) => send({ kind: 'done', id, result: toWire(result) }),
      (error: unknown) => send({ kind: 'done', id, error: (error as Error).message }),
    )
    .finally(() => {
      running.delete(id);
      cancelled.delete(id);
    });
});
