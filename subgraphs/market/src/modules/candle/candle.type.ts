import Decimal from 'decimal.js';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DecimalScalar } from '@herck/common';
import { CANDLE_INTERVALS, CandleInterval } from './candle-interval';

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

/** Open, high, low, close and volume of one asset over one interval. */
@ObjectType({ description: 'Open, high, low, close and volume of an asset over one interval (USD)' })
export class Candle {
  @Field(() => String, { description: 'Ticker symbol' })
  symbol!: string;

  @Field(() => CandleIntervalEnum, { description: 'The length of the candle' })
  interval!: CandleInterval;

  @Field(() => Date, { description: 'Start of the interval (UTC), included' })
  openTime!: Date;

  @Field(() => Date, { description: 'End of the interval (UTC), excluded' })
  closeTime!: Date;

  @Field(() => DecimalScalar, { description: 'First price of the interval' })
  open!: Decimal;

  @Field(() => DecimalScalar, { description: 'Highest price of the interval' })
  high!: Decimal;

  @Field(() => DecimalScalar, { description: 'Lowest price of the interval' })
  low!: Decimal;

  @Field(() => DecimalScalar, { description: 'Last price of the interval (so far, while it is open)' })
  close!: Decimal;

  @Field(() => DecimalScalar, {
    description: 'Volume traded in the interval: exact for imported candles, estimated from the 24-hour volume for candles built from ticks',
  })
  volume!: Decimal;

  @Field(() => Int, { description: 'How many ticks built it (0 for imported candles)' })
  tickCount!: number;

  @Field(() => Boolean, { description: 'True once the interval has ended' })
  closed!: boolean;
}
