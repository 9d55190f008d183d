import { Field, ObjectType } from 'type-graphql';
import { GlobalMetrics } from '../global/global-metrics.type';
import { Tick } from '../tick/tick.type';

/** The latest round, held in memory. */
@ObjectType({ description: 'The latest ingestion round: every tracked asset, and the market-wide figures' })
export class MarketSnapshot {
  @Field(() => Date, { nullable: true, description: 'Time of the latest round; null before the first one' })
  time!: Date | null;

  @Field(() => [Tick], { description: "That round's ticks" })
  ticks!: Tick[];

  @Field(() => GlobalMetrics, { nullable: true, description: "That round's market-wide figures" })
  global!: GlobalMetrics | null;
}
