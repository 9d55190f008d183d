import Decimal from 'decimal.js';
import { Field, ObjectType } from 'type-graphql';
import { DecimalScalar } from '@herck/common';

/** One asset's quote in one ingestion round. */
@ObjectType({ description: "One asset's price and market figures at one ingestion round" })
export class Tick {
  @Field(() => String, { description: 'Ticker symbol' })
  symbol!: string;

  @Field(() => DecimalScalar, { description: 'Price in the quote currency' })
  price!: Decimal;

  @Field(() => String, { description: 'Currency of price, volume and market cap: always "USD"' })
  quoteCurrency!: string;

  @Field(() => DecimalScalar, { nullable: true, description: 'Traded volume over the last 24 hours' })
  volume24h!: Decimal | null;

  @Field(() => DecimalScalar, { nullable: true, description: 'Market capitalisation' })
  marketCap!: Decimal | null;

  @Field(() => DecimalScalar, { nullable: true, description: 'Price change over the last hour, in percent (null when the provider has none)' })
  percentChange1h!: Decimal | null;

  @Field(() => DecimalScalar, { nullable: true, description: 'Price change over the last 24 hours, in percent (null when the provider has none)' })
  percentChange24h!: Decimal | null;

  @Field(() => String, { description: 'The provider this quote came from' })
  source!: string;

  @Field(() => Date, { description: 'The ingestion round this quote belongs to (UTC)' })
  time!: Date;
}
