import Decimal from 'decimal.js';
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType, DecimalScalar } from '@herck/common';
import { AccountReference } from '../account/account.type';
import { AssetReference } from '../asset/asset.type';

export enum OrderStatus {
  FILLED = 'FILLED',
}

registerEnumType(OrderStatus, {
  name: 'OrderStatus',
  description: 'Where an order stands',
  valuesConfig: { FILLED: { description: 'Filled at once at the cached price (a simulated fill: no exchange behind it)' } },
});

@ObjectType({ description: 'A buy order: an amount of fiat turned into a quantity of an asset at a cached price' })
export class Order {
  @Field(() => ID, { description: 'Order id' })
  id!: string;

  ownerId!: string;

  assetSymbol!: string;

  @Field(() => AssetReference, { description: 'What was bought (market data: e.g. `asset { latestTick { price } }`)' })
  asset(): AssetReference {
    return { symbol: this.assetSymbol };
  }

  @Field(() => String, { description: 'The fiat currency spent (ISO 4217, e.g. EUR)' })
  currency!: string;

  @Field(() => DecimalScalar, { description: 'The amount spent, in `currency`' })
  amount!: Decimal;

  @Field(() => DecimalScalar, { description: 'The price of one unit of the asset in `currency`: its USD price times `fxRate`' })
  price!: Decimal;

  @Field(() => DecimalScalar, { description: 'Units of `currency` per US dollar used' })
  fxRate!: Decimal;

  @Field(() => DecimalScalar, { description: '`amount / price`, rounded down to 8 decimals' })
  quantity!: Decimal;

  @Field(() => OrderStatus, { description: 'Where it stands' })
  status!: OrderStatus;

  @Field(() => Date, { description: 'When the price and rate used are from' })
  pricedAt!: Date;

  @Field(() => Date, { description: 'When the order was placed' })
  createdAt!: Date;

  @Field(() => AccountReference, { description: 'Who placed it' })
  owner(): AccountReference {
    return { id: this.ownerId };
  }
}

export const OrderConnection = connectionType(Order, 'Order', 'order');

@InputType({ description: 'A buy order' })
export class PlaceBuyOrderInput {
  @Field(() => String, { description: 'Ticker symbol of the asset to buy, e.g. BTC' })
  asset!: string;

  @Field(() => String, { description: 'The fiat currency to spend (USD or one market has a rate for, e.g. EUR)' })
  currency!: string;

  @Field(() => DecimalScalar, { description: 'How much to spend: above 0, at most 2 decimals, at most ORDER_MAX_AMOUNT' })
  amount!: Decimal;

  @Field(() => String, { description: 'Your key for this order (1–100 characters): retrying with it returns the same order' })
  idempotencyKey!: string;
}

@InputType({ description: 'Narrows a list of orders' })
export class OrderFilter {
  @Field(() => String, { nullable: true, description: 'Only this asset' })
  asset?: string | null;

  @Field(() => String, { nullable: true, description: 'Only this currency' })
  currency?: string | null;

  @Field(() => Date, { nullable: true, description: 'Placed at or after this time' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Placed before this time' })
  to?: Date | null;
}

export interface OrderRow {
  id: string;
  owner_id: string;
  asset: string;
  currency: string;
  amount: string;
  price: string;
  fx_rate: string;
  quantity: string;
  status: OrderStatus;
  priced_at: Date;
  created_at: Date;
  idempotency_key: string;
}

export function toOrder(row: OrderRow): Order {
  return Object.assign(new Order(), {
    id: row.id,
    ownerId: row.owner_id,
    assetSymbol: row.asset,
    currency: row.currency,
    amount: new Decimal(row.amount),
    price: new Decimal(row.price),
    fxRate: new Decimal(row.fx_rate),
    quantity: new Decimal(row.quantity),
    status: row.status,
    pricedAt: new Date(row.priced_at),
    createdAt: new Date(row.created_at),
  });
}
