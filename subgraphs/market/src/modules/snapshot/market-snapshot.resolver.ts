import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import { NotFoundError } from '@herck/common';
import { MarketContext } from '../../context';
import { normaliseSymbol } from '../asset/symbol-rules';
import { MarketSnapshot } from './market-snapshot.type';
import { SnapshotStore } from './snapshot-store';

@Resolver(() => MarketSnapshot)
export class MarketSnapshotResolver {
  constructor(private readonly snapshot: SnapshotStore) {}

  @Query(() => MarketSnapshot, { description: 'The latest round of every tracked asset (or of the symbols given), served from memory' })
  marketSnapshot(
    @Arg('symbols', () => [String], { nullable: true, description: 'Only these assets; all tracked ones when omitted' }) symbols: string[] | null,
    @Ctx() _context: MarketContext,
  ): MarketSnapshot {
    const wanted = symbols?.map((symbol) => normaliseSymbol(symbol, 'symbols')) ?? null;
    const ticks = this.snapshot.ticks(wanted);
    const missing = wanted?.find((symbol) => !ticks.some((tick) => tick.symbol === symbol));
    if (missing && this.snapshot.time) throw new NotFoundError(`Asset ${missing}`);
    return { time: this.snapshot.time, ticks, global: this.snapshot.global };
  }
}
