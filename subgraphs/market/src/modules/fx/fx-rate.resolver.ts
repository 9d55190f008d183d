import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import { Authenticated, currencyCodeOf, NotFoundError } from '@herck/common';
import { MarketContext } from '../../context';
import { SnapshotStore } from '../snapshot/snapshot-store';
import { crossRate } from './cross-rate';
import { FxRate } from './fx-rate.type';

@Resolver(() => FxRate)
export class FxRateResolver {
  constructor(private readonly snapshot: SnapshotStore) {}

  @Authenticated()
  @Query(() => [FxRate], { description: 'The latest exchange rates from a base currency to every other known one' })
  async fxRates(@Arg('base', () => String, { nullable: true, defaultValue: 'USD', description: 'Currency converted from (ISO 4217)' }) base: string | null, @Ctx() { history }: MarketContext): Promise<FxRate[]> {
    // A text that is no currency code stays as typed (and is not found), never upper-cased into another one.
    const code = currencyCodeOf(base ?? 'USD') ?? (base ?? '').trim();
    // The latest round's rates are in memory; the database only when that round had none.
    const usdRates = this.snapshot.fx.length ? this.snapshot.fx : await history.latestUsdRates();
    // In quote order for every base, USD's included (the provider's own order is no order at all).
    if (code === 'USD') return [...usdRates].sort((a, b) => a.quote.localeCompare(b.quote));
    const baseRate = usdRates.find((rate) => rate.quote === code);
    // The name echoed is cut short, as an asset's is: an error never hands a caller's whole input back.
    if (!baseRate) throw new NotFoundError(code ? `Currency ${code.slice(0, 32)}` : 'Currency');
    const usd: FxRate = { base: code, quote: 'USD', rate: crossRate(1, baseRate.rate), time: baseRate.time };
    const crosses = usdRates
      .filter((rate) => rate.quote !== code)
      .map((rate) => ({ base: code, quote: rate.quote, rate: crossRate(rate.rate, baseRate.rate), time: rate.time }));
    return [usd, ...crosses].sort((a, b) => a.quote.localeCompare(b.quote));
  }
}
