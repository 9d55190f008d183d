import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { Authenticated, Connection } from '@herck/common';
import { MarketContext } from '../../context';
import { Asset } from '../asset/asset.entity';
import { knownAsset } from '../asset/symbol-rules';
import { GlobalMetrics, hasFigures } from '../global/global-metrics.type';
import { DEFAULT_PAGE, timePage, toConnection } from '../paging/time-page';
import { SnapshotStore } from '../snapshot/snapshot-store';
import { TickConnection } from './tick-connection.type';
import { Tick } from './tick.type';

@Resolver(() => Tick)
export class TickResolver {
  constructor(private readonly snapshot: SnapshotStore) {}

  @Authenticated()
  @Query(() => TickConnection, { description: "An asset's raw ticks (kept MARKET_TICK_RETENTION_DAYS days); newest first unless from is given" })
  async ticks(
    @Arg('symbol', () => String, { description: 'Ticker symbol' }) symbol: string,
    @Arg('from', () => Date, { nullable: true, description: 'Earliest time (oldest first from here)' }) from: Date | null,
    @Arg('to', () => Date, { nullable: true, description: 'Latest time' }) to: Date | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE, description: 'Page size, 1 to 1000' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last tick already seen' }) after: string | null,
    @Ctx() context: MarketContext,
  ): Promise<Connection<Tick>> {
    const page = timePage({ list: 'ticks', from, to, first, after });
    const asset = await knownAsset(context, symbol);
    return toConnection(await context.history.ticks(asset.symbol, page), page, (tick) => tick.time);
  }

  @FieldResolver(() => Asset, { description: 'The asset quoted' })
  async asset(@Root() tick: Tick, @Ctx() { assetsBySymbol }: MarketContext): Promise<Asset> {
    // The latest round's assets are in memory; assets are never deleted, so every tick's asset exists.
    return (this.snapshot.holds(tick.time) && this.snapshot.asset(tick.symbol)) || (await assetsBySymbol.load(tick.symbol))!;
  }

  @FieldResolver(() => GlobalMetrics, { nullable: true, description: "The same round's market-wide figures" })
  async global(@Root() tick: Tick, @Ctx() { globalByTime }: MarketContext): Promise<GlobalMetrics | null> {
    if (this.snapshot.holds(tick.time)) return this.snapshot.global;
    const metrics = await globalByTime.load(tick.time.getTime());
    return metrics && hasFigures(metrics) ? metrics : null;
  }
}
