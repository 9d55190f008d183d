import Decimal from 'decimal.js';
import { Field, Int, ObjectType } from 'type-graphql';
import { CandleInterval, CandleIntervalEnum, DecimalScalar } from '@herck/common';

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

  /** Not in the schema: counts the candle's changes, so that its announcements can be told apart (newest highest). */
  revision?: number;
}
