import { Field, Int, ObjectType } from 'type-graphql';

/** A provider as admins see it: configuration and recent health. */
@ObjectType('MarketProvider', { description: 'A source of market data, with its recent health (admins)' })
export class ProviderStatus {
  @Field(() => String, { description: 'Provider name (simulated, coinmarketcap, coingecko, binance, frankfurter)' })
  name!: string;

  @Field(() => Boolean, { description: 'Whether rounds ask this provider' })
  enabled!: boolean;

  @Field(() => Int, { description: 'Position in MARKET_PROVIDERS: a symbol comes from the first provider that has it (0 first)' })
  priority!: number;

  @Field(() => Int, { description: 'Seconds between rounds' })
  intervalSeconds!: number;

  @Field(() => Date, { nullable: true, description: 'When a round last got an answer from it' })
  lastSuccessAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why its last failed round failed' })
  lastError!: string | null;

  @Field(() => Date, { nullable: true, description: 'When it will next be asked (later than the next round after a 429 with Retry-After)' })
  nextRunAt!: Date | null;

  @Field(() => Int, { description: 'Failed rounds in a row' })
  consecutiveFailures!: number;
}
