import Decimal from 'decimal.js';
import { Field, ObjectType } from 'type-graphql';
import { DecimalScalar } from '@herck/common';

/** How many units of `quote` one unit of `base` buys. */
@ObjectType({ description: 'An exchange rate: how many units of quote one unit of base buys' })
export class FxRate {
  @Field(() => String, { description: 'Currency converted from (ISO 4217)' })
  base!: string;

  @Field(() => String, { description: 'Currency converted to (ISO 4217)' })
  quote!: string;

  @Field(() => DecimalScalar, { description: 'Units of quote per unit of base' })
  rate!: Decimal;

  @Field(() => Date, { description: 'When the rate was taken (UTC)' })
  time!: Date;
}
