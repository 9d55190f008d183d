import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Directive, Field, ObjectType } from 'type-graphql';

/** A crypto asset the market follows; other subgraphs refer to it by symbol. */
@ObjectType({ description: 'A crypto asset whose prices the platform collects' })
@Directive('@key(fields: "symbol")')
@Entity({ tableName: 'assets' })
export class Asset {
  [OptionalProps]?: 'tracked' | 'createdAt' | 'version';

  @Field(() => String, { description: 'Ticker symbol, upper case (BTC, ETH, …)' })
  @PrimaryKey({ type: 'text' })
  symbol!: string;

  @Field(() => String, { description: 'Display name (Bitcoin, Ethereum, …)' })
  @Property({ type: 'text' })
  name!: string;

  /** Untracked assets keep their history but get no new ticks. */
  @Property({ type: 'boolean' })
  tracked = true;

  /** Counted up by each change, under the row's lock: of two copies, the higher is the newer. */
  @Property({ type: 'integer', default: 0 })
  version = 0;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
