import { createIndicator } from '../src/modules/indicator/live-indicator';
import { IndicatorKind } from '../src/modules/indicator/indicator-kind';
import { IndicatorSpec } from '../src/modules/indicator/indicator-spec';
import { CandleInput } from '../src/modules/indicator/candle-input';

const candle = (close: number, extra: Partial<CandleInput> = {}): CandleInput => ({ open: close, high: close, low: close, close, volume: 0, ...extra });

function feed(spec: Partial<IndicatorSpec> & Pick<IndicatorSpec, 'kind' | 'period'>, candles: CandleInput[]) {
  const indicator = createIndicator({ name: 'x', ...spec });
  for (const input of candles) indicator.add(input);
  return indicator.value();
}

/** Values worked out by hand (or with the one-line formula beside them), not with the library. */
describe('indicators (trading-signals) against hand-checked values', () => {
  it('SMA, EMA and WMA', () => {
    expect(feed({ kind: IndicatorKind.SMA, period: 3 }, [1, 2, 3, 4].map((x) => candle(x)))).toBeCloseTo(3, 10);
    // EMA seeded with the first close, k = 2 / (3 + 1): 1 → 1.5 → 2.25 → 3.125 → 4.0625.
    expect(feed({ kind: IndicatorKind.EMA, period: 3 }, [1, 2, 3, 4, 5].map((x) => candle(x)))).toBeCloseTo(4.0625, 10);
    // (1·2 + 2·3 + 3·4) / 6
    expect(feed({ kind: IndicatorKind.WMA, period: 3 }, [1, 2, 3, 4].map((x) => candle(x)))).toBeCloseTo(20 / 6, 10);
  });

  it('is not ready before it has seen enough candles', () => {
    expect(feed({ kind: IndicatorKind.SMA, period: 3 }, [1, 2].map((x) => candle(x)))).toBeNull();
    expect(feed({ kind: IndicatorKind.EMA, period: 3 }, [1, 2].map((x) => candle(x)))).toBeNull();
    expect(feed({ kind: IndicatorKind.RSI, period: 3 }, [1, 2, 3].map((x) => candle(x)))).toBeNull();
  });

  it('RSI: only gains is 100, only losses 0, equal gains and losses 50', () => {
    expect(feed({ kind: IndicatorKind.RSI, period: 4 }, [1, 2, 3, 4, 5, 6].map((x) => candle(x)))).toBeCloseTo(100, 6);
    expect(feed({ kind: IndicatorKind.RSI, period: 4 }, [6, 5, 4, 3, 2, 1].map((x) => candle(x)))).toBeCloseTo(0, 6);
    expect(feed({ kind: IndicatorKind.RSI, period: 4 }, [10, 11, 10, 11, 10].map((x) => candle(x)))).toBeCloseTo(50, 6);
  });

  it('MACD is the fast EMA minus the slow, its signal an EMA of that, the histogram their difference', () => {
    // EMAs seeded with their first input, as above; worked out step by step beside the library.
    const ema = (values: number[], period: number) => {
      const k = 2 / (period + 1);
      return values.reduce<number[]>((out, value, index) => [...out, index === 0 ? value : out[index - 1]! + k * (value - out[index - 1]!)], []);
    };
    const closes = [10, 12, 11, 14, 13, 15, 17, 16, 18, 20];
    const fast = ema(closes, 2);
    const slow = ema(closes, 3);
    const lines = closes.map((_, index) => fast[index]! - slow[index]!);
    // The signal EMA starts with the first MACD value the library reports (once the slow EMA is stable, at input 3).
    const signal = ema(lines.slice(2), 2);
    const value = feed({ kind: IndicatorKind.MACD, period: 3, fastPeriod: 2, signalPeriod: 2 }, closes.map((x) => candle(x))) as { line: number; signal: number; histogram: number };
    expect(value.line).toBeCloseTo(lines.at(-1)!, 10);
    expect(value.signal).toBeCloseTo(signal.at(-1)!, 10);
    expect(value.histogram).toBeCloseTo(lines.at(-1)! - signal.at(-1)!, 10);
  });

  it('MACD of a flat price is zero everywhere, and waits for its signal line', () => {
    const flat = Array.from({ length: 40 }, () => candle(100));
    expect(feed({ kind: IndicatorKind.MACD, period: 5, fastPeriod: 3, signalPeriod: 4 }, flat)).toEqual({ line: 0, signal: 0, histogram: 0 });
    expect(feed({ kind: IndicatorKind.MACD, period: 5, fastPeriod: 3, signalPeriod: 4 }, flat.slice(0, 5))).toBeNull();
  });

  it('BBANDS: the mean plus and minus two population standard deviations', () => {
    const value = feed({ kind: IndicatorKind.BBANDS, period: 3, deviation: 2 }, [1, 2, 3].map((x) => candle(x))) as { upper: number; middle: number; lower: number };
    const sd = Math.sqrt(2 / 3);
    expect(value.middle).toBeCloseTo(2, 10);
    expect(value.upper).toBeCloseTo(2 + 2 * sd, 10);
    expect(value.lower).toBeCloseTo(2 - 2 * sd, 10);
  });

  it('ATR of candles two wide without gaps is two', () => {
    const candles = [10, 10, 10, 10, 10].map((x) => candle(x, { high: x + 1, low: x - 1 }));
    expect(feed({ kind: IndicatorKind.ATR, period: 3 }, candles)).toBeCloseTo(2, 10);
  });

  it('STOCH: closing at the high is 100, at the low 0', () => {
    const rising = [1, 2, 3, 4, 5, 6].map((x) => candle(x, { high: x, low: x - 1 }));
    expect(feed({ kind: IndicatorKind.STOCH, period: 3, signalPeriod: 2 }, rising)).toEqual({ k: 100, d: 100 });
    const falling = [6, 5, 4, 3, 2, 1].map((x) => candle(x, { high: x + 1, low: x }));
    expect(feed({ kind: IndicatorKind.STOCH, period: 3, signalPeriod: 2 }, falling)).toEqual({ k: 0, d: 0 });
  });

  it('ROC is the fractional change over the period', () => {
    expect(feed({ kind: IndicatorKind.ROC, period: 2 }, [100, 110, 121].map((x) => candle(x)))).toBeCloseTo(0.21, 10);
  });

  it('OBV adds the volume of up candles and takes away that of down ones, over the last `period` candles', () => {
    const candles = [candle(10, { volume: 5 }), candle(11, { volume: 7 }), candle(12, { volume: 3 }), candle(11, { volume: 4 }), candle(11, { volume: 9 })];
    // The last two candles: down 4, flat 0 → −4; the last three: +3 − 4 + 0 → −1.
    expect(feed({ kind: IndicatorKind.OBV, period: 2 }, candles)).toBe(-4);
    expect(feed({ kind: IndicatorKind.OBV, period: 3 }, candles)).toBe(-1);
    // The same candles with more history before them: the same value (a backtest's `from`, a restart).
    expect(feed({ kind: IndicatorKind.OBV, period: 3 }, [candle(50, { volume: 100 }), candle(20, { volume: 80 }), ...candles])).toBe(-1);
    // Not ready before `period` changes have been seen.
    expect(feed({ kind: IndicatorKind.OBV, period: 4 }, candles.slice(0, 4))).toBeNull();
  });

  it('replacing the live candle gives what a fresh indicator fed the final candle gives', () => {
    for (const kind of Object.values(IndicatorKind)) {
      const spec = { name: 'x', kind, period: 3, fastPeriod: kind === IndicatorKind.MACD ? 2 : undefined, signalPeriod: [IndicatorKind.MACD, IndicatorKind.STOCH].includes(kind) ? 2 : undefined, deviation: kind === IndicatorKind.BBANDS ? 2 : undefined };
      const closes = [5, 7, 6, 9, 8, 10, 12, 11, 13, 12, 14, 15];
      const live = createIndicator(spec);
      const fresh = createIndicator(spec);
      for (const close of closes) {
        live.add(candle(close - 3, { high: close, low: close - 4 }));
        live.replace(candle(close + 1, { high: close + 2, low: close - 4 }));
        live.replace(candle(close, { high: close + 2, low: close - 4, volume: 2 }));
        fresh.add(candle(close, { high: close + 2, low: close - 4, volume: 2 }));
      }
      expect({ kind, value: live.value() }).toEqual({ kind, value: fresh.value() });
    }
  });
});
