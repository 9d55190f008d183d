import { parentPort } from 'node:worker_threads';
import { toWire } from '@herck/common/decimal';
import { replayBacktest } from './backtest-replay';
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
/** Replays whose caller went away: their reads fail here, so each stops at the next page it needs, without waiting for the store. */
const cancelled = new Set<number>();
const CANCELLED = 'The backtest was cancelled: its client went away';

const send = (message: FromReplayThread): void => port.postMessage(message);

/** The replay `id`'s reads, asked of the service's thread. */
function readFor(id: number, strategy: StrategyDefinition) {
  return async (request: SeriesRequest): Promise<unknown[]> => {
    const answer = await new Promise<unknown[] | string>((resolve, reject) => {
      if (cancelled.has(id)) return reject(new Error(CANCELLED));
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
      waiting.reject(new Error(CANCELLED));
    }
    return;
  }
  running.add(id);
  replayBacktest(message.strategy, readFor(id, message.strategy))
    .then(
      (result) => send({ kind: 'done', id, result: toWire(result) }),
      (error: unknown) => send({ kind: 'done', id, error: (error as Error).message }),
    )
    .finally(() => {
      running.delete(id);
      cancelled.delete(id);
    });
});
