import type { StrategyDefinition } from '../evaluation/strategy-definition';
import { SeriesRequest } from './series-request';

/** What the service's thread sends a backtest thread: a replay to run or to stop (its caller went away), or the rows one of its reads asked for. */
export type ToReplayThread =
  /**
   * `stop`: one Int32 shared with the service's thread, which sets it to 1 when the replay's caller
   * goes: the replay reads it between rows, so it stops mid-page, before the `cancel` that follows
   * could reach it (a thread replaying a page hears no message until it needs the next one).
   */
  | { kind: 'replay'; id: number; strategy: StrategyDefinition; stop: Int32Array }
  | { kind: 'cancel'; id: number }
  /** `rows`: the rows, or a page of them as JSON text (series-pages.ts). */
  | { kind: 'rows'; id: number; read: number; rows: unknown[] | string }
  | { kind: 'rows'; id: number; read: number; error: string };

/** What a backtest thread sends back: a read of stored rows, or the replay's result (Decimals on the wire) or failure. */
export type FromReplayThread =
  | { kind: 'read'; id: number; read: number; request: SeriesRequest }
  | { kind: 'done'; id: number; result: unknown }
  | { kind: 'done'; id: number; error: string };
