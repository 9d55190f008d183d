import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';
import { IndicatorKind } from './indicator-kind';

@ObjectType({ description: 'An indicator a strategy computes; conditions read its value by `name`' })
export class Indicator {
  @Field(() => String, { description: 'The name conditions use, such as `rsi14`' })
  name!: string;

  @Field(() => IndicatorKind, { description: 'What it computes' })
  kind!: IndicatorKind;

  @Field(() => Int, { description: 'Candles it looks back over (MACD: the slow EMA; STOCH: %K)' })
  period!: number;

  @Field(() => Int, { nullable: true, description: 'MACD: the fast EMA' })
  fastPeriod?: number;

  @Field(() => Int, { nullable: true, description: 'MACD: the signal EMA; STOCH: the %D smoothing' })
  signalPeriod?: number;

  @Field(() => Float, { nullable: true, description: 'BBANDS: standard deviations from the middle band' })
  deviation?: number;
}

@InputType({ description: 'An indicator for a strategy' })
export class IndicatorInput {
  @Field(() => String, { description: 'The name conditions use: letters, digits, underscores (e.g. `rsi14`)' })
  name!: string;

  @Field(() => IndicatorKind, { description: 'What it computes' })
  kind!: IndicatorKind;

  @Field(() => Int, { description: 'Candles it looks back over, 1 to 1000 (MACD: the slow EMA; STOCH: %K)' })
  period!: number;

  @Field(() => Int, { nullable: true, description: 'MACD only: the fast EMA (default 12)' })
  fastPeriod?: number | null;

  @Field(() => Int, { nullable: true, description: 'MACD: the signal EMA (default 9); STOCH: the %D smoothing (default 3)' })
  signalPeriod?: number | null;

  @Field(() => Float, { nullable: true, description: 'BBANDS only: standard deviations (default 2)' })
  deviation?: number | null;
}
