import { registerEnumType } from 'type-graphql';
import { CANDLE_INTERVALS, CandleInterval } from '../time/candle-interval';

/** `CandleInterval` in GraphQL: market serves candles of it, analysis reads strategies' series in it. */
export const CandleIntervalEnum = Object.fromEntries(CANDLE_INTERVALS.map((interval) => [interval, interval])) as { [I in CandleInterval]: I };

registerEnumType(CandleIntervalEnum, {
  name: 'CandleInterval',
  description: 'The length of a candle',
  valuesConfig: {
    M1: { description: 'One minute' },
    M5: { description: 'Five minutes' },
    M15: { description: 'Fifteen minutes' },
    H1: { description: 'One hour' },
    H4: { description: 'Four hours' },
    D1: { description: 'One day (UTC)' },
  },
});
