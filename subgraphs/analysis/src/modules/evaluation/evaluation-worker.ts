import { parentPort } from 'node:worker_threads';
import { ClosedCandle } from '../candle/closed-candle';
import { HistoryReply, WorkerMessage, WorkerRequest } from './evaluation-messages';
import { StrategyEngine } from './strategy-engine';

/** A worker thread of the evaluation pool: a StrategyEngine over its share of the strategies. */
const port = parentPort!;
const pendingHistory = new Map<number, (reply: HistoryReply) => void>();
let nextHistory = 0;

// Stored candles come from the pool's thread, which holds the database connection.
const engine = new StrategyEngine(
  (symbol, interval, count) =>
    new Promise<ClosedCandle[]>((resolve, reject) => {
      const requestId = nextHistory++;
      pendingHistory.set(requestId, (reply) => (reply.error ? reject(new Error(reply.error)) : resolve(reply.candles)));
      port.postMessage({ kind: 'history', requestId, symbol, interval, count } satisfies WorkerMessage);
    }),
);

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.op) {
    case 'watch':
      return engine.watch(request.definition, request.states, request.errorStored);
    case 'unwatch':
      return engine.unwatch(request.strategyId);
    case 'unwatchAll':
      return engine.unwatchAll();
    case 'unwatchOwner':
      return engine.unwatchOwner(request.ownerId);
    case 'redefine':
      return engine.redefine(request.definition);
    case 'tick':
      return engine.onTick(request.symbol, request.time, request.price, request.change24h);
    case 'candle':
      return engine.onCandleClosed(request.candle);
    case 'untracked':
      return engine.onSymbolUntracked(request.symbol);
  }
}

port.on('message', (message: WorkerRequest | HistoryReply) => {
  if ('kind' in message) {
    pendingHistory.get(message.requestId)?.(message);
    pendingHistory.delete(message.requestId);
    return;
  }
  handle(message).then(
    (result) => port.postMessage({ kind: 'reply', id: message.id, result } satisfies WorkerMessage),
    (error: unknown) => port.postMessage({ kind: 'reply', id: message.id, error: (error as Error).message } satisfies WorkerMessage),
  );
});
