import Decimal from 'decimal.js';
import { Field, ID, ObjectType } from 'type-graphql';
import { DecimalScalar, JsonScalar } from '@herck/common';
import { Strategy } from '../strategy/strategy.entity';

/** A strategy's condition held for a symbol at a tick: stored, then published. */
@ObjectType({ description: "A strategy's condition held for an asset" })
export class Alert {
  @Field(() => ID, { description: 'Alert id' })
  id!: string;

  strategyId!: string;

  /** The strategy as it was read with the alert, in one snapshot (see readAlerts); `strategy` answers it. */
  strategyAsRead!: Strategy;

  ownerId!: string;

  @Field(() => String, { description: 'Ticker symbol it fired for' })
  symbol!: string;

  @Field(() => Date, { description: 'The tick (or candle close) that raised it' })
  triggeredAt!: Date;

  @Field(() => DecimalScalar, { description: 'The price at that moment (USD)' })
  price!: Decimal;

  @Field(() => JsonScalar, { description: 'The values the condition saw: price, volume, change24h and each indicator by name' })
  values!: Record<string, unknown>;

  @Field(() => String, { description: 'What happened, for people' })
  message!: string;

  @Field(() => Boolean, { description: 'Whether the owner has acknowledged it' })
  acknowledged!: boolean;
}

export interface AlertRow {
  id: string;
  strategy_id: string;
  owner_id: string;
  symbol: string;
  triggered_at: Date;
  price: string;
  values: Record<string, unknown>;
  message: string;
  acknowledged: boolean;
}

export function toAlert(row: AlertRow, strategy: Strategy): Alert {
  return Object.assign(new Alert(), {
    id: row.id,
    strategyId: row.strategy_id,
    strategyAsRead: strategy,
    ownerId: row.owner_id,
    symbol: row.symbol,
    triggeredAt: new Date(row.triggered_at),
    price: new Decimal(row.price),
    values: row.values,
    message: row.message,
    acknowledged: row.acknowledged,
  });
}
