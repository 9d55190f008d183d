import { EventEmitter, on } from 'node:events';
import { Candle } from '../candle/candle.type';
import { CandleInterval } from '../candle/candle-interval';
import { Tick } from '../tick/tick.type';

const ROUND = 'round';
const CANDLE = 'candle';

/**
 * In-process publication of committed rounds and candle updates, for the
 * subgraph's subscriptions. Published only after the round has committed.
 */
export class LiveFeed {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per open subscription; the count is bounded by the gateway's limits, not here.
    this.emitter.setMaxListeners(0);
  }

  publishRound(ticks: Tick[]): void {
    this.emitter.emit(ROUND, ticks);
  }

  publishCandles(candles: Candle[]): void {
    for (const candle of candles) this.emitter.emit(CANDLE, candle);
  }

  /** Each round's ticks for `symbols` (all when null); rounds with none of them are skipped. */
  async *rounds(symbols: string[] | null, signal?: AbortSignal): AsyncGenerator<Tick[]> {
    const wanted = symbols && new Set(symbols);
    for await (const [ticks] of on(this.emitter, ROUND, { signal }) as AsyncIterable<[Tick[]]>) {
      const selected = wanted ? ticks.filter((tick) => wanted.has(tick.symbol)) : ticks;
      if (selected.length) yield selected;
    }
  }

  /** Each update of the `interval` candles of `symbol`, the closing one included. */
  async *candles(symbol: string, interval: CandleInterval, signal?: AbortSignal): AsyncGenerator<Candle> {
    for await (const [candle] of on(this.emitter, CANDLE, { signal }) as AsyncIterable<[Candle]>) {
      if (candle.symbol === symbol && candle.interval === interval) yield candle;
    }
  }
}
