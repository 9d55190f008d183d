import Decimal from 'decimal.js';
import { Field, Int, ObjectType } from 'type-graphql';
import { DecimalScalar, JsonScalar } from '@herck/common';

@ObjectType({ description: 'A moment a strategy would have fired' })
export class BacktestTrigger {
  @Field(() => Date, { description: 'The close of the candle it fired at' })
  time!: Date;

  @Field(() => String, { description: 'Ticker symbol' })
  symbol!: string;

  @Field(() => DecimalScalar, { description: 'The close price (USD)' })
  price!: Decimal;

  @Field(() => JsonScalar, { description: 'The values the condition saw' })
  values!: Record<string, unknown>;
}

@ObjectType({ description: 'How often it would have fired' })
export class BacktestSummary {
  @Field(() => Int, { description: 'Triggers in the range' })
  count!: number;

  @Field(() => Date, { nullable: true, description: 'The first trigger (null when none)' })
  firstAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'The last trigger (null when none)' })
  lastAt!: Date | null;
}

@ObjectType({ description: 'A strategy replayed over stored candles, exactly as live evaluation decides' })
export class Backtest {
  @Field(() => [BacktestTrigger], { description: 'Every trigger, oldest first' })
  triggers!: BacktestTrigger[];

  @Field(() => BacktestSummary, { description: 'Counts and bounds of the triggers' })
  summary!: BacktestSummary;
}
