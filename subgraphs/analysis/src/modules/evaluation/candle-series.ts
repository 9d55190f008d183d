import { CandleInterval, candleOpenTime } from '@herck/common/time';
import { ClosedCandle } from '../candle/closed-candle';
import { CandleInput } from '../indicator/candle-input';
import { createIndicator, LiveIndicator, warmUpCandles } from '../indicator/live-indicator';
import { IndicatorSpec, indicatorKey } from '../indicator/indicator-spec';
import { IndicatorValue } from '../indicator/indicator-values';

interface LiveCandle extends CandleInput {
  openTime: number;
}

/** A candle the indicators hold before the live one, with the revision of market's close it holds. */
interface HeldCandle extends LiveCandle {
  revision: number;
}

/** A period the series ended from its ticks (the next period's came first): any close of market's is newer. */
const FROM_TICKS = -2;
/** A close announced before market counted revisions: newer than ticks, older than any counted close. */
const UNCOUNTED = -1;

/** What `close` did with a closed candle. */
export type CloseTaken =
  /** It ended the series' current period (or the one after): ON_CLOSE strategies evaluate at it. */
  | 'ended'
  /** It replaced or filled in a period the series had already passed (a close that came after the next period's first tick, or a newer revision): the indicators were rebuilt, no strategy evaluates at it. */
  | 'late'
  /** Nothing changed: older than what the series holds for its period, or than the candles it holds at all. */
  | 'ignored';

/**
 * One asset's candles of one interval and the indicators over them, shared by
 * every strategy that reads the same indicator of the same series. A tick
 * updates the live candle (indicators replace their last input); the close
 * market announces, or a tick of a later period, ends it. Either costs the
 * same whatever the length of the history. A close that comes after the next
 * period's first tick (or a newer revision of a close held) still takes its
 * period: the series keeps the candles its indicators warm up on, and
 * rebuilds them from those (as a restart from the store would) before they
 * are next read, a cost paid only for such late closes.
 */
export class CandleSeries {
  private readonly indicators = new Map<string, { spec: IndicatorSpec; indicator: LiveIndicator }>();
  /** Values read since the last change: every strategy on the series reads the same ones per tick. */
  private readonly values = new Map<string, IndicatorValue | null>();
  private live: LiveCandle | null = null;
  /** The candles before the live one, oldest first: the last `keep` of them, enough to warm up every indicator held. */
  private held: HeldCandle[] = [];
  private keep = 1;
  /** A late close changed `held`: the indicators are rebuilt from it before they are next read or fed. */
  private stale = false;
  /** Open time (ms) of the newest candle fed, closed or live; older input is ignored. */
  private newest = -Infinity;
  /** Time (ms) of the newest tick applied: a round delivered again, or late, must not rewind the live candle. */
  private newestTick = -Infinity;
  /** What conditions read as `volume`: the volume of the last closed candle (ticks carry none of their own). */
  lastClosedVolume = 0;

  constructor(
    readonly symbol: string,
    readonly interval: CandleInterval,
  ) {}

  /** Whether these indicators are all held already. */
  holds(specs: IndicatorSpec[]): boolean {
    return specs.every((spec) => this.indicators.has(indicatorKey(spec)));
  }

  /**
   * Starts over from stored closed candles (oldest first) with exactly these
   * indicators: after a restart, or when a strategy brings a new one. What the
   * series has seen since the newest of them stays and is fed after them: the
   * periods it ended from ticks and, above all, the live candle, whose open, high
   * and low the store does not have until market's close comes (dropped, the
   * period's next tick would start it anew at its own price, and the strategies
   * already on the series would read other values than a backtest of them).
   */
  reset(specs: IndicatorSpec[], history: ClosedCandle[]): void {
    const stored = history.length ? history.at(-1)!.openTime.getTime() : -Infinity;
    const seenSince = this.held.filter((candle) => candle.openTime > stored);
    const live = this.live && this.live.openTime > stored ? this.live : null;
    this.indicators.clear();
    this.values.clear();
    for (const spec of specs) {
      const key = indicatorKey(spec);
      if (this.indicators.has(key)) continue;
      const indicator = createIndicator(spec);
      // Each indicator sees its own warm-up, however long the history loaded for the series' other
      // indicators: its values then do not depend on which strategies share the series.
      for (const candle of history.slice(-warmUpCandles(spec))) indicator.add(candle);
      for (const candle of seenSince) indicator.add(candle);
      if (live) indicator.add(live);
      this.indicators.set(key, { spec, indicator });
    }
    this.live = live;
    this.keep = Math.max(1, ...specs.map(warmUpCandles));
    this.held = [...history.slice(-this.keep).map((candle) => heldCandle(candle, revisionOf(candle))), ...seenSince].slice(-this.keep);
    this.stale = false;
    this.newest = Math.max(stored, ...seenSince.map((candle) => candle.openTime), live?.openTime ?? -Infinity);
    // A close of market's taken since the history was read is the newer last close; a period ended from ticks has no volume of its own.
    this.lastClosedVolume = seenSince.filter((candle) => candle.revision !== FROM_TICKS).at(-1)?.volume ?? history.at(-1)?.volume ?? 0;
  }

  value(spec: IndicatorSpec): IndicatorValue | null {
    return this.valueOf(indicatorKey(spec));
  }

  /** The value of the indicator held under `key` (see indicatorKey), null until it is warm. */
  valueOf(key: string): IndicatorValue | null {
    let value = this.values.get(key);
    if (value === undefined) {
      this.rebuildIfStale();
      value = this.indicators.get(key)?.indicator.value() ?? null;
      this.values.set(key, value);
    }
    return value;
  }

  /**
   * A tick: updates the live candle of its period. Returns false for a tick not newer than the last
   * one applied (a redelivered round would set the close back and swallow the next real crossing)
   * or older than what the series has.
   */
  tick(time: Date, price: number): boolean {
    if (time.getTime() <= this.newestTick) return false;
    const openTime = candleOpenTime(this.interval, time).getTime();
    this.values.clear();
    this.rebuildIfStale();
    if (this.live && this.live.openTime === openTime) {
      this.live.high = Math.max(this.live.high, price);
      this.live.low = Math.min(this.live.low, price);
      this.live.close = price;
      for (const { indicator } of this.indicators.values()) indicator.replace(this.live);
      this.newestTick = time.getTime();
      return true;
    }
    if (openTime <= this.newest) return false;
    // A new period. A live candle whose close market has not announced stays as last seen, until it does.
    this.holdLive();
    this.live = { openTime, open: price, high: price, low: price, close: price, volume: 0 };
    this.newest = openTime;
    this.newestTick = time.getTime();
    for (const { indicator } of this.indicators.values()) indicator.add(this.live);
    return true;
  }

  /**
   * A closed candle from market: it replaces the live candle of its period
   * (exact high, low and volume) or is appended after the newest: 'ended'.
   * One for a period the series has passed replaces what the series holds for
   * it when newer (a higher revision; any close is newer than a period seen
   * only from ticks; of two without a revision, the later, as in the store),
   * or fills in a period it lacks: 'late'. Older ones, and
   * ones before the candles the series holds, are 'ignored'.
   */
  close(candle: ClosedCandle): CloseTaken {
    const openTime = candle.openTime.getTime();
    const revision = revisionOf(candle);
    this.values.clear();
    if (this.live && this.live.openTime === openTime) {
      this.rebuildIfStale();
      for (const { indicator } of this.indicators.values()) indicator.replace(candle);
      this.live = null;
      this.hold(heldCandle(candle, revision));
      this.lastClosedVolume = candle.volume;
      return 'ended';
    }
    if (openTime > this.newest) {
      this.rebuildIfStale();
      // A live candle of an earlier period (whose close has not come) stays as last seen, before this one.
      this.holdLive();
      for (const { indicator } of this.indicators.values()) indicator.add(candle);
      this.live = null;
      this.hold(heldCandle(candle, revision));
      this.newest = openTime;
      this.lastClosedVolume = candle.volume;
      return 'ended';
    }
    return this.takeLate(heldCandle(candle, revision)) ? 'late' : 'ignored';
  }

  /** Puts a close for a period the series has passed in its place among the held candles; false when it does not replace what is held (see `replaces`). */
  private takeLate(candle: HeldCandle): boolean {
    const index = this.held.findIndex((held) => held.openTime >= candle.openTime);
    const at = index === -1 ? this.held.length : index;
    const same = this.held[at]?.openTime === candle.openTime;
    if (same && !replaces(candle.revision, this.held[at]!.revision)) return false;
    // Before every candle held, with all the warm-up held: no indicator reads it any more (the store keeps it).
    if (at === 0 && !same && this.held.length >= this.keep) return false;
    this.held.splice(at, same ? 1 : 0, candle);
    if (this.held.length > this.keep) this.held.shift();
    if (this.held.at(-1) === candle) this.lastClosedVolume = candle.volume;
    this.stale = true;
    return true;
  }

  /** The live candle, if any, becomes the last held one, as its ticks left it (its close may still come). */
  private holdLive(): void {
    if (this.live) this.hold({ ...this.live, revision: FROM_TICKS });
  }

  private hold(candle: HeldCandle): void {
    this.held.push(candle);
    if (this.held.length > this.keep) this.held.shift();
  }

  /** Feeds every indicator afresh from the held candles (each its own warm-up) and the live one. */
  private rebuildIfStale(): void {
    if (!this.stale) return;
    this.stale = false;
    for (const entry of this.indicators.values()) {
      entry.indicator = createIndicator(entry.spec);
      for (const candle of this.held.slice(-warmUpCandles(entry.spec))) entry.indicator.add(candle);
      if (this.live) entry.indicator.add(this.live);
    }
  }
}

/**
 * Whether a close of a period replaces the one held for it, as the store decides (CandleStore.save):
 * a higher revision does; of two without one, the later, which the store keeps too (nothing tells
 * them apart). An equal counted revision is the same close announced again: nothing to rebuild.
 */
function replaces(revision: number, heldRevision: number): boolean {
  return revision > heldRevision || (revision === UNCOUNTED && heldRevision === UNCOUNTED);
}

function revisionOf(candle: ClosedCandle): number {
  return Number.isSafeInteger(candle.revision) ? candle.revision! : UNCOUNTED;
}

function heldCandle(candle: ClosedCandle, revision: number): HeldCandle {
  return { openTime: candle.openTime.getTime(), open: candle.open, high: candle.high, low: candle.low, close: candle.close, volume: candle.volume, revision };
}
