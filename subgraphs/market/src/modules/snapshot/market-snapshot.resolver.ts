import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import { isTickerSymbol, NotFoundError, tickerSymbolOf } from '@herck/common';
import { MarketContext } from '../../context';
import { knownAsset } from '../asset/symbol-rules';
import { MarketSnapshot } from './market-snapshot.type';
import { SnapshotStore } from './snapshot-store';

@Resolver(() => MarketSnapshot)
export class MarketSnapshotResolver {
  constructor(private readonly snapshot: SnapshotStore) {}

  @Query(() => MarketSnapshot, { description: 'The latest round of every tracked asset (or of the symbols given), served from memory' })
  async marketSnapshot(
    @Arg('symbols', () => [String], { nullable: true, description: 'Only these assets; all tracked ones when omitted' }) symbols: string[] | null,
    @Ctx() context: MarketContext,
  ): Promise<MarketSnapshot> {
    // Each asset once, however often (or in whatever case) it is named.
    const wanted = symbols ? [...new Set(symbols.map((symbol) => tickerSymbolOf(symbol) ?? symbol.trim()))] : null;
    // Assets without a tick this round (untracked ones included) are simply absent; unknown ones
    // (whatever they look like) are an error. Only a name the round does not hold is looked up.
    // Checked before the first round too (every name is looked up then): an unknown symbol is
    // NOT_FOUND in queries from the first request on, not an empty answer until a round lands.
    for (const symbol of wanted ?? []) {
      if (!isTickerSymbol(symbol)) throw new NotFoundError(symbol.trim() ? `Asset ${symbol.slice(0, 32)}` : 'Asset');
      if (!this.snapshot.asset(symbol)) await knownAsset(context, symbol);
    }
    const ticks = this.snapshot.trackedTicks(wanted?.filter(isTickerSymbol) ?? null);
    return { time: this.snapshot.time, ticks, global: this.snapshot.global };
  }
}
