import { Arg, Query, Resolver } from 'type-graphql';
import { NotFoundError } from '@herck/common';
import { isSymbol } from '../asset/symbol-rules';
import { MarketSnapshot } from './market-snapshot.type';
import { SnapshotStore } from './snapshot-store';

@Resolver(() => MarketSnapshot)
export class MarketSnapshotResolver {
  constructor(private readonly snapshot: SnapshotStore) {}

  @Query(() => MarketSnapshot, { description: 'The latest round of every tracked asset (or of the symbols given), served from memory' })
  marketSnapshot(
    @Arg('symbols', () => [String], { nullable: true, description: 'Only these assets; all tracked ones when omitted' }) symbols: string[] | null,
  ): MarketSnapshot {
    // Each asset once, however often (or in whatever case) it is named.
    const wanted = symbols ? [...new Set(symbols.map((symbol) => symbol.trim().toUpperCase()))] : null;
    // Tracked assets without a tick this round are simply absent; unknown ones (whatever they look like) are an error.
    const unknown = wanted?.find((symbol) => !isSymbol(symbol) || !this.snapshot.asset(symbol));
    if (unknown !== undefined && this.snapshot.time) throw new NotFoundError(`Asset ${unknown.slice(0, 32)}`);
    const ticks = this.snapshot.ticks(wanted?.filter(isSymbol) ?? null);
    return { time: this.snapshot.time, ticks, global: this.snapshot.global };
  }
}
