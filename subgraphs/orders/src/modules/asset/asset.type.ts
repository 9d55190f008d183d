import { Directive, Field, ObjectType } from 'type-graphql';

/** The market subgraph's asset; an order points at it so clients can read its live price in the same query. */
@ObjectType('Asset', { description: 'A tracked crypto asset (owned by the market subgraph)' })
@Directive('@key(fields: "symbol", resolvable: false)')
export class AssetReference {
  @Field(() => String, { description: 'Ticker symbol' })
  symbol!: string;
}
