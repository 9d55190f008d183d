import Decimal from 'decimal.js';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DecimalScalar } from '@herck/common';

export enum StatisticsPeriod {
  DAY = 'DAY',
  WEEK = 'WEEK',
  MONTH = 'MONTH',
}

registerEnumType(StatisticsPeriod, {
  name: 'StatisticsPeriod',
  description: 'The length of the periods orders are grouped by (UTC; weeks start on Monday)',
  valuesConfig: {
    DAY: { description: 'Calendar days (UTC)' },
    WEEK: { description: 'Weeks from Monday 00:00 UTC' },
    MONTH: { description: 'Calendar months (UTC)' },
  },
});

@ObjectType({ description: 'Orders of one currency in one period' })
export class OrderPeriodStatistics {
  @Field(() => Date, { description: 'Start of the period (UTC)' })
  periodStart!: Date;

  @Field(() => String, { description: 'The currency the amounts are in' })
  currency!: string;

  @Field(() => Int, { description: 'Orders placed' })
  count!: number;

  @Field(() => DecimalScalar, { description: 'Sum of their amounts' })
  totalAmount!: Decimal;

  @Field(() => DecimalScalar, { description: 'Smallest amount' })
  min!: Decimal;

  @Field(() => DecimalScalar, { description: 'Largest amount' })
  max!: Decimal;

  @Field(() => DecimalScalar, { description: 'Median amount (the mean of the two middle ones for an even count)' })
  median!: Decimal;

  @Field(() => DecimalScalar, { description: 'Mean amount, to 8 decimals' })
  average!: Decimal;
}
