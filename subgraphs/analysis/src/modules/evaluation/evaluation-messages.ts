import { CandleInterval } from '@herck/common';
import { ClosedCandle } from '../candle/closed-candle';
import { StrategyDefinition } from './strategy-definition';
import { SymbolState } from './trigger-policy';

/** What the pool asks of a worker (each answered with a reply of the same `id`). */
export type WorkerRequest = { id: number } & (
  | { op: 'watch'; definition: StrategyDefinition; states: Map<string, SymbolState>; errorStored: boolean }
  | { op: 'unwatch'; strategyId: string }
  | { op: 'unwatchAll' }
  | { op: 'unwatchOwner'; ownerId: string }
  | { op: 'redefine'; definition: StrategyDefinition }
  | { op: 'tick'; symbol: string; time: Date; price: number; change24h: number }
  | { op: 'candle'; candle: ClosedCandle }
  | { op: 'untracked'; symbol: string }
);

/** What a worker sends the pool: a reply, or a request for stored candles (answered with `candles`). */
export type WorkerMessage =
  | { kind: 'reply'; id: number; result?: unknown; error?: string }
  | { kind: 'history'; requestId: number; symbol: string; interval: CandleInterval; count: number };

export interface HistoryReply {
  kind: 'history';
  requestId: number;
  candles: ClosedCandle[];
  error?: string;
}
