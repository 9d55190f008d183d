import Decimal from 'decimal.js';
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { DecimalScalar } from '@herck/common';

export enum CostBasisMethodEnum {
  FIFO = 'FIFO',
  AVERAGE = 'AVERAGE',
}
registerEnumType(CostBasisMethodEnum, {
  name: 'CostBasisMethod',
  description: 'How the cost of units sold is chosen',
  valuesConfig: { FIFO: { description: 'The oldest lots first' }, AVERAGE: { description: 'The running average cost' } },
});

export enum TransactionKindEnum {
  BUY = 'BUY',
  SELL = 'SELL',
  DEPOSIT = 'DEPOSIT',
  WITHDRAWAL = 'WITHDRAWAL',
  FEE = 'FEE',
}
registerEnumType(TransactionKindEnum, {
  name: 'TransactionKind',
  description: 'What a portfolio transaction does',
  valuesConfig: {
    BUY: { description: '`quantity` of `symbol` bought at `price`; cash pays quantity × price + fee' },
    SELL: { description: '`quantity` of `symbol` sold at `price`; cash receives quantity × price − fee' },
    DEPOSIT: { description: 'Cash paid in: quantity × price (an amount is its quantity; price defaults to 1)' },
    WITHDRAWAL: { description: 'Cash taken out: quantity × price' },
    FEE: { description: 'A cost paid from cash: quantity × price + fee' },
  },
});

@ObjectType({ description: 'A collection of transactions, valued in its base currency' })
export class Portfolio {
  @Field(() => ID, { description: 'Portfolio id' })
  id!: string;

  ownerId!: string;

  @Field(() => String, { description: 'A name for people' })
  name!: string;

  @Field(() => String, { description: 'The currency it is valued in (USD or one market has a rate for)' })
  baseCurrency!: string;

  @Field(() => CostBasisMethodEnum, { description: 'How the cost of units sold is chosen' })
  costBasisMethod!: CostBasisMethodEnum;

  @Field(() => Boolean, { description: 'Whether filled buy orders land here (made on the first one)' })
  isDefault!: boolean;

  @Field(() => Date, { description: 'When it was created' })
  createdAt!: Date;
}

@ObjectType({ description: 'One entry of a portfolio' })
export class Transaction {
  @Field(() => ID, { description: 'Transaction id' })
  id!: string;

  @Field(() => ID, { description: 'The portfolio it belongs to' })
  portfolioId!: string;

  @Field(() => TransactionKindEnum, { description: 'What it does' })
  kind!: TransactionKindEnum;

  @Field(() => String, { nullable: true, description: 'The asset bought or sold' })
  symbol!: string | null;

  @Field(() => DecimalScalar, { description: 'Units (or the amount, with price 1)' })
  quantity!: Decimal;

  @Field(() => DecimalScalar, { description: 'Price of one unit, in `currency`' })
  price!: Decimal;

  @Field(() => String, { description: 'The currency of `price` and `fee`' })
  currency!: string;

  @Field(() => DecimalScalar, { description: 'Fee, in `currency`' })
  fee!: Decimal;

  @Field(() => Date, { description: 'When it happened' })
  time!: Date;

  @Field(() => String, { nullable: true, description: 'A note' })
  note!: string | null;

  @Field(() => String, { nullable: true, description: 'Where it came from, e.g. the order it records' })
  sourceId!: string | null;
}

@InputType({ description: 'A portfolio transaction' })
export class TransactionInput {
  @Field(() => TransactionKindEnum, { description: 'What it does' })
  kind!: TransactionKindEnum;

  @Field(() => String, { nullable: true, description: 'The asset (BUY and SELL)' })
  symbol?: string | null;

  @Field(() => DecimalScalar, { description: 'Units, above 0 (for cash kinds: the amount, with price 1)' })
  quantity!: Decimal;

  @Field(() => DecimalScalar, { nullable: true, description: 'Price of one unit in `currency`: needed for BUY and SELL; cash kinds default to 1' })
  price?: Decimal | null;

  @Field(() => String, { nullable: true, description: 'The currency of price and fee (default: the portfolio’s)' })
  currency?: string | null;

  @Field(() => DecimalScalar, { nullable: true, description: 'Fee in `currency` (default 0)' })
  fee?: Decimal | null;

  @Field(() => Date, { nullable: true, description: 'When it happened (default: now; from 1970, not in the future)' })
  time?: Date | null;

  @Field(() => String, { nullable: true, description: 'A note, at most 500 characters' })
  note?: string | null;
}

@ObjectType('MissingPrice', { description: 'A date with no price for an asset: the figure leaves it out rather than guess' })
export class MissingPriceType {
  @Field(() => String, { description: 'Ticker symbol' })
  symbol!: string;

  @Field(() => String, { description: 'The day (UTC, YYYY-MM-DD)' })
  date!: string;
}

@ObjectType('Holding', { description: 'One asset held at a moment' })
export class HoldingType {
  @Field(() => String, { description: 'Ticker symbol' })
  symbol!: string;

  @Field(() => DecimalScalar, { description: 'Units held' })
  quantity!: Decimal;

  @Field(() => DecimalScalar, { description: 'What the units held cost (fees included), in the base currency' })
  costBasis!: Decimal;

  @Field(() => DecimalScalar, { nullable: true, description: 'costBasis / quantity' })
  averageCost!: Decimal | null;

  @Field(() => DecimalScalar, { nullable: true, description: 'quantity × the day’s price; null when the price is missing' })
  marketValue!: Decimal | null;

  @Field(() => DecimalScalar, { nullable: true, description: 'marketValue − costBasis; null when the price is missing' })
  unrealizedPnl!: Decimal | null;
}

@ObjectType({ description: 'What a portfolio is worth at a moment, in its base currency' })
export class Valuation {
  @Field(() => DecimalScalar, { description: 'Holdings at the day’s prices plus cash (holdings without a price left out)' })
  value!: Decimal;

  @Field(() => DecimalScalar, { description: 'What the holdings cost' })
  cost!: Decimal;

  @Field(() => DecimalScalar, { description: 'Cash' })
  cash!: Decimal;

  @Field(() => Boolean, { description: 'False when a price is missing: `value` is then incomplete' })
  complete!: boolean;

  @Field(() => [MissingPriceType], { description: 'Prices that were not there' })
  missingPrices!: MissingPriceType[];
}

@ObjectType('Performance', { description: 'How a portfolio did over a period' })
export class PerformanceType {
  @Field(() => DecimalScalar, { nullable: true, description: 'Gain / (start value + deposits); null when nothing was invested or a price is missing' })
  roi!: Decimal | null;

  @Field(() => DecimalScalar, { nullable: true, description: 'Time-weighted return: sub-period returns between deposits and withdrawals, chained; null when a price is missing, or when value appears from nothing (a stretch that starts at a value of 0 and ends above it, such as a buy at price 0)' })
  twr!: Decimal | null;

  @Field(() => DecimalScalar, { nullable: true, description: 'Annualised money-weighted return of the dated cash flows (Excel’s XIRR equation, Actual/365, on exact times: a time of day counts as a fraction of a day); null when undefined or a price is missing' })
  xirr!: Decimal | null;

  @Field(() => DecimalScalar, { description: 'Profit realised by sales in the period' })
  realizedPnl!: Decimal;

  @Field(() => DecimalScalar, { nullable: true, description: 'Change of unrealised profit over the period; null when a price is missing' })
  unrealizedPnl!: Decimal | null;

  @Field(() => Boolean, { description: 'False when a price was missing' })
  complete!: boolean;

  @Field(() => [MissingPriceType], { description: 'Prices that were not there' })
  missingPrices!: MissingPriceType[];
}

