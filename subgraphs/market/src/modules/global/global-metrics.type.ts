import Decimal from 'decimal.js';
import { Field, Int, ObjectType } from 'type-graphql';
import { DecimalScalar } from '@herck/common';

/** The market-wide figures of one ingestion round. */
@ObjectType({ description: 'Market-wide figures of one ingestion round' })
export class GlobalMetrics {
  @Field(() => Date, { description: 'The round (UTC); its ticks share this time' })
  time!: Date;

  @Field(() => DecimalScalar, { nullable: true, description: 'Total market capitalisation of all cryptocurrencies, USD' })
  totalMarketCap!: Decimal | null;

  @Field(() => DecimalScalar, { nullable: true, description: 'Total volume over the last 24 hours, USD' })
  totalVolume24h!: Decimal | null;

  @Field(() => DecimalScalar, { nullable: true, description: "Bitcoin's share of the total market cap, in percent" })
  btcDominance!: Decimal | null;

  @Field(() => Int, { nullable: true, description: 'How many cryptocurrencies the source lists' })
  activeCryptocurrencies!: number | null;
}

/** A round whose providers gave no market-wide figures keeps a row without any. */
export function hasFigures(metrics: GlobalMetrics): boolean {
  return metrics.totalMarketCap !== null || metrics.totalVolume24h !== null || metrics.btcDominance !== null;
}

/** {@link hasFigures} over `global_metrics` rows, so history lists no round that `Tick.global` and the snapshot show as null. */
export const HAS_FIGURES_SQL = '(total_market_cap IS NOT NULL OR total_volume_24h IS NOT NULL OR btc_dominance IS NOT NULL)';
