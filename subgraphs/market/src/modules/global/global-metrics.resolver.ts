import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { Authenticated, Connection } from '@herck/common';
import { MarketContext } from '../../context';
import { DEFAULT_PAGE, timePage, toConnection } from '../paging/time-page';
import { SnapshotStore } from '../snapshot/snapshot-store';
import { Tick } from '../tick/tick.type';
import { GlobalMetricsConnection } from './global-metrics-connection.type';
import { GlobalMetrics } from './global-metrics.type';

@Resolver(() => GlobalMetrics)
export class GlobalMetricsResolver {
  constructor(private readonly snapshot: SnapshotStore) {}

  @Authenticated()
  @Query(() => GlobalMetricsConnection, { description: 'Market-wide figures per round; newest first unless from is given' })
  async globalMetrics(
    @Arg('from', () => Date, { nullable: true, description: 'Earliest round (oldest first from here)' }) from: Date | null,
    @Arg('to', () => Date, { nullable: true, description: 'Latest round' }) to: Date | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE, description: 'Page size, 1 to 1000' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last round already seen' }) after: string | null,
    @Ctx() { history }: MarketContext,
  ): Promise<Connection<GlobalMetrics>> {
    const page = timePage({ list: 'globalMetrics', from, to, first, after });
    return toConnection(await history.globalMetrics(page), page, (metrics) => metrics.time);
  }

  @FieldResolver(() => [Tick], { description: "That round's ticks" })
  ticks(@Root() metrics: GlobalMetrics, @Ctx() { ticksByTime }: MarketContext): Tick[] | Promise<Tick[]> {
    return this.snapshot.holds(metrics.time) ? this.snapshot.ticks() : ticksByTime.load(metrics.time.getTime());
  }
}
