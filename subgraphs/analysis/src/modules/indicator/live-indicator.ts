import { ATR, BollingerBands, EMA, MACD, OBV, ROC, RSI, SMA, StochasticOscillator, WMA } from 'trading-signals';
import { CandleInput } from './candle-input';
import { IndicatorKind } from './indicator-kind';
import { IndicatorSpec } from './indicator-spec';
import { BandsValue, IndicatorValue, MacdValue, StochValue } from './indicator-values';

/**
 * One trading-signals indicator over one candle series. `add` appends a
 * candle; `replace` changes the last one (the live candle, tick by tick):
 * the cost of either does not grow with history.
 */
export interface LiveIndicator {
  add(candle: CandleInput): void;
  replace(candle: CandleInput): void;
  /** Null until the indicator has seen enough candles (not warm yet). */
  value(): IndicatorValue | null;
}

/** Wraps an indicator fed one number per candle (its close). */
function closes(indicator: { add(x: number): unknown; replace(x: number): unknown; getResult(): number | null }): LiveIndicator {
  return {
    add: (candle) => void indicator.add(candle.close),
    replace: (candle) => void indicator.replace(candle.close),
    value: () => indicator.getResult(),
  };
}

export function createIndicator(spec: IndicatorSpec): LiveIndicator {
  switch (spec.kind) {
    case IndicatorKind.SMA:
      return closes(new SMA(spec.period));
    case IndicatorKind.EMA:
      return closes(new EMA(spec.period));
    case IndicatorKind.WMA:
      return closes(new WMA(spec.period));
    case IndicatorKind.RSI:
      return closes(new RSI(spec.period));
    case IndicatorKind.ROC:
      return closes(new ROC(spec.period));
    case IndicatorKind.MACD: {
      const macd = new MACD(new EMA(spec.fastPeriod!), new EMA(spec.period), new EMA(spec.signalPeriod!));
      return {
        add: (candle) => void macd.add(candle.close),
        replace: (candle) => void macd.replace(candle.close),
        // MACD reports a result before its signal line has warmed up: wait for both.
        value: () => {
          const result = macd.getResult();
          return result && macd.signal.isStable ? new MacdValue(result.macd, result.signal, result.histogram) : null;
        },
      };
    }
    case IndicatorKind.BBANDS: {
      const bands = new BollingerBands(spec.period, spec.deviation);
      return {
        add: (candle) => void bands.add(candle.close),
        replace: (candle) => void bands.replace(candle.close),
        value: () => {
          const result = bands.getResult();
          return result && new BandsValue(result.upper, result.middle, result.lower);
        },
      };
    }
    case IndicatorKind.ATR: {
      const atr = new ATR(spec.period);
      return { add: (candle) => void atr.add(candle), replace: (candle) => void atr.replace(candle), value: () => atr.getResult() };
    }
    case IndicatorKind.STOCH: {
      const stoch = new StochasticOscillator({ kPeriod: spec.period, kSlowingPeriod: 1, dPeriod: spec.signalPeriod! });
      return {
        add: (candle) => void stoch.add(candle),
        replace: (candle) => void stoch.replace(candle),
        value: () => {
          const result = stoch.getResult();
          return result && new StochValue(result.stochK, result.stochD);
        },
      };
    }
    case IndicatorKind.OBV:
      return windowedObv(spec.period);
  }
}

/**
 * On-balance volume over the last `period` candles: trading-signals' running OBV now less
 * its value `period` candles before. A running total depends on where its history starts
 * (a restart, a backtest's `from`, another strategy's warm-up); this window does not, so
 * live evaluation, restarts and backtests agree.
 */
function windowedObv(period: number): LiveIndicator {
  // An interval of 2: each candle's volume counts by its close against the one before.
  const obv = new OBV(2);
  /** The running total after each of the last `period + 1` candles, the live one last. */
  const totals: number[] = [];
  const record = (replacing: boolean) => {
    const total = obv.getResult();
    if (total === null || total === undefined) return;
    if (replacing && totals.length) totals[totals.length - 1] = total;
    else totals.push(total);
    if (totals.length > period + 1) totals.shift();
  };
  return {
    add: (candle) => {
      obv.add(candle);
      record(false);
    },
    replace: (candle) => {
      obv.replace(candle);
      record(true);
    },
    value: () => (totals.length > period ? totals[totals.length - 1]! - totals[0]! : null),
  };
}

/**
 * Closed candles to feed a new indicator so its value is the one a long-running
 * one would have: exponential smoothing (EMA, RSI, ATR, MACD) forgets its start
 * only slowly, so ten times the longest period (at most 10,000).
 */
export function warmUpCandles(spec: IndicatorSpec): number {
  return Math.min(10 * (spec.period + (spec.signalPeriod ?? 0)) + 2, 10_000);
}
