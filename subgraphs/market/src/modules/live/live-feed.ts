import { EventEmitter, on } from 'node:events';
import { Candle } from '../candle/candle.type';
import { CandleInterval } from '@herck/common';
import { Tick } from '../tick/tick.type';
import { RoundPublicationDelay } from './round-publication.metrics';

const ROUND = 'round';
const CANDLE = 'candle';
/** Rounds without ticks whose closes were published, remembered: far more than can cross one lease's loss. */
const REMEMBERED_CLOSE_ROUNDS = 64;

/**
 * In-process publication of committed rounds and candle updates, for the
 * subgraph's subscriptions. Published only after the round has committed.
 */
export class LiveFeed {
  private readonly emitter = new EventEmitter();
  /** The times of rounds without ticks whose closes this replica published, oldest first. */
  private readonly closeRounds = new Set<number>();
  private publicationDelay?: { histogram: RoundPublicationDelay; now: () => number };

  constructor() {
    // One listener per open subscription; the count is bounded by the gateway's limits, not here.
    this.emitter.setMaxListeners(0);
  }

  publishRound(ticks: Tick[]): void {
    this.emitter.emit(ROUND, ticks);
    const delay = this.publicationDelay;
    if (delay && ticks.length) delay.histogram.observe(Math.max(0, delay.now() - ticks[0]!.time.getTime()) / 1000);
  }

  /** Times each round published from now on against the schedule's clock (the service's metrics exist once it has started). */
  timePublications(histogram: RoundPublicationDelay, now: () => number): void {
    this.publicationDelay = { histogram, now };
  }

  publishCandles(candles: Candle[]): void {
    for (const candle of candles) this.emitter.emit(CANDLE, candle);
  }

  /**
   * Publishes the closes of the round without ticks at `time`, unless this replica has already: it
   * publishes its own such round, and its listener the announcement of it too when the replica stopped
   * ingesting while the round ran (its lease lost, another replica taking over). Whichever comes first.
   */
  publishRoundCloses(time: Date, closed: Candle[]): void {
    if (!closed.length || this.closeRounds.has(time.getTime())) return;
    this.closeRounds.add(time.getTime());
    if (this.closeRounds.size > REMEMBERED_CLOSE_ROUNDS) this.closeRounds.delete(this.closeRounds.values().next().value!);
    this.publishCandles(closed);
  }

  /** Each round's ticks for `symbols` (all when null); rounds with none of them are skipped. */
  rounds(symbols: string[] | null): AsyncIterableIterator<Tick[]> {
    const wanted = symbols && new Set(symbols);
    return this.events<Tick[], Tick[]>(ROUND, (ticks) => {
      const selected = wanted ? ticks.filter((tick) => wanted.has(tick.symbol)) : ticks;
      return selected.length ? selected : undefined;
    });
  }

  /** Each update of the `interval` candles of `symbol`, the closing one included. */
  candles(symbol: string, interval: CandleInterval): AsyncIterableIterator<Candle> {
    return this.events<Candle, Candle>(CANDLE, (candle) => (candle.symbol === symbol && candle.interval === interval ? candle : undefined));
  }

  /**
   * The emitter's events, mapped and filtered (undefined skips one). Written as
   * a plain iterator, not an async generator: a generator waiting inside its
   * loop would not see `return()` until the next matching event, so a
   * subscription that never matches would keep its listener for good.
   */
  private events<E, T>(name: string, select: (event: E) => T | undefined): AsyncIterableIterator<T> {
    const source = on(this.emitter, name) as AsyncIterableIterator<[E]>;
    const iterator: AsyncIterableIterator<T> = {
      async next(): Promise<IteratorResult<T>> {
        for (;;) {
          const result = await source.next();
          if (result.done) return { done: true, value: undefined };
          const selected = select(result.value[0]);
          if (selected !== undefined) return { done: false, value: selected };
        }
      },
      async return(): Promise<IteratorResult<T>> {
        await source.return?.();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Open subscriptions, for tests and diagnostics. */
  listenerCount(): number {
    return this.emitter.listenerCount(ROUND) + this.emitter.listenerCount(CANDLE);
  }
}
