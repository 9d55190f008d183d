import { registerEnumType } from 'type-graphql';

/** The indicators a strategy can use; each is computed by trading-signals, never by hand. */
export enum IndicatorKind {
  SMA = 'SMA',
  EMA = 'EMA',
  WMA = 'WMA',
  RSI = 'RSI',
  MACD = 'MACD',
  BBANDS = 'BBANDS',
  ATR = 'ATR',
  STOCH = 'STOCH',
  ROC = 'ROC',
  OBV = 'OBV',
}

registerEnumType(IndicatorKind, {
  name: 'IndicatorKind',
  description: 'A technical indicator; conditions read its value by the name given to it',
  valuesConfig: {
    SMA: { description: 'Simple moving average of closes over `period` candles (a number)' },
    EMA: { description: 'Exponential moving average of closes (a number)' },
    WMA: { description: 'Weighted moving average of closes (a number)' },
    RSI: { description: 'Relative strength index, 0–100 (a number)' },
    MACD: { description: 'Moving average convergence/divergence: `line`, `signal`, `histogram`; `period` is the slow EMA, `fastPeriod` (12) the fast one, `signalPeriod` (9) the signal EMA' },
    BBANDS: { description: 'Bollinger bands: `upper`, `middle`, `lower`; `deviation` (2) standard deviations around an SMA of `period`' },
    ATR: { description: 'Average true range over `period` candles (a number)' },
    STOCH: { description: 'Stochastic oscillator: `k` over `period` candles and `d`, its SMA over `signalPeriod` (3)' },
    ROC: { description: 'Rate of change over `period` candles (a number; 0.05 is +5 %)' },
    OBV: { description: 'On-balance volume over the last `period` candles: the volume of those that closed up less that of those that closed down (a number)' },
  },
});
