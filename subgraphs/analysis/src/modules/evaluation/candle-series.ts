import { CandleInterval, candleOpenTime } from '@herck/common/time';
import { ClosedCandle } from '../candle/closed-candle';
import { CandleInput } from '../indicator/candle-input';
import { createIndicator, LiveIndicator, warmUpCandles } from '../indicator/live-indicator';
import { IndicatorSpec, indicatorKey } from '../indicator/indicator-spec';
import { IndicatorValue } from '../indicator/indicator-values';

interface LiveCandle extends CandleInput {
  openTime: number;
}

/**
 * One asset's candles of one interval and the indicators over them, shared by
 * every strategy that reads the same indicator of the same series. A tick
 * updates the live candle (indicators replace their last input); the close
 * market announces, or a tick of a later period, ends it. Either costs the
 * same whatever the length of the history.
 */
export class CandleSeries {
  private readonly indicators = new Map<string, { spec: IndicatorSpec; indicator: LiveIndicator }>();
  /** Values read since the last change: every strategy on the series reads the same ones per tick. */
  private readonly values = new Map<string, IndicatorValue | null>();
  private live: LiveCandle | null = null;
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
   * indicators: after a restart, or when a strategy brings a new one.
   */
  reset(specs: IndicatorSpec[], history: ClosedCandle[]): void {
    this.indicators.clear();
    this.values.clear();
    for (const spec of specs) {
      const key = indicatorKey(spec);
      if (this.indicators.has(key)) continue;
      const indicator = createIndicator(spec);
      // Each indicator sees its own warm-up, however long the history loaded for the series' other
      // indicators: its values then do not depend on which strategies share the series.
      for (const candle of history.slice(-warmUpCandles(spec))) indicator.add(candle);
      this.indicators.set(key, { spec, indicator });
    }
    this.live = null;
    this.newest = history.length ? history.at(-1)!.openTime.getTime() : -Infinity;
    this.lastClosedVolume = history.at(-1)?.volume ?? 0;
  }

  value(spec: IndicatorSpec): IndicatorValue | null {
    return this.valueOf(indicatorKey(spec));
  }

  /** The value of the indicator held under `key` (see indicatorKey), null until it is warm. */
  valueOf(key: string): IndicatorValue | null {
    let value = this.values.get(key);
    if (value === undefined) {
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
    if (this.live && this.live.openTime === openTime) {
      this.live.high = Math.max(this.live.high, price);
      this.live.low = Math.min(this.live.low, price);
      this.live.close = price;
      for (const { indicator } of this.indicators.values()) indicator.replace(this.live);
      this.newestTick = time.getTime();
      return true;
    }
    if (openTime <= this.newest) return false;
    // A new period. A live candle whose close market never announced stays as last seen.
    this.live = { openTime, open: price, high: price, low: price, close: price, volume: 0 };
    this.newest = openTime;
    this.newestTick = time.getTime();
    for (const { indicator } of this.indicators.values()) indicator.add(this.live);
    return true;
  }

  /**
   * A closed candle from market: it replaces the live candle of its period
   * (exact high, low and volume) or is appended after the newest; older ones
   * are ignored. Returns whether the series took it.
   */
  close(candle: ClosedCandle): boolean {
    const openTime = candle.openTime.getTime();
    this.values.clear();
    if (this.live && this.live.openTime === openTime) {
      for (const { indicator } of this.indicators.values()) indicator.replace(candle);
      this.live = null;
      this.lastClosedVolume = candle.volume;
      return true;
    }
    if (openTime <= this.newest) return false;
    for (const { indicator } of this.indicators.values()) indicator.add(candle);
    this.live = null;
    this.newest = openTime;
    this.lastClosedVolume = candle.volume;
    return true;
  }
}
