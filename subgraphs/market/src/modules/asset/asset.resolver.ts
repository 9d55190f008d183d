import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { CandleInterval, CandleIntervalEnum, Connection, RequiresRole } from '@herck/common';
import { MarketContext } from '../../context';
import { CandleConnection } from '../candle/candle-connection.type';
import { DEFAULT_PAGE, timePage, toConnection } from '../paging/time-page';
import { SnapshotStore } from '../snapshot/snapshot-store';
import { Tick } from '../tick/tick.type';
import { Candle } from '../candle/candle.type';
import { AssetConnection } from './asset-connection.type';
import { Asset } from './asset.entity';
import { AssetService } from './asset.service';
import { knownAsset } from './symbol-rules';

@Resolver(() => Asset)
export class AssetResolver {
  constructor(
    private readonly assetService: AssetService,
    private readonly snapshot: SnapshotStore,
  ) {}

  @Query(() => AssetConnection, { description: 'The tracked assets in symbol order, a page at a time' })
  assets(
    @Arg('search', () => String, { nullable: true, description: 'Text found in the symbol or name (case-insensitive)' }) search: string | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE, description: 'Page size, 1 to 1000' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last asset already seen' }) after: string | null,
    @Ctx() { em }: MarketContext,
  ): Promise<Connection<Asset>> {
    return this.assetService.page(em, search, first ?? DEFAULT_PAGE, after);
  }

  @Query(() => Asset, { nullable: true, description: 'One asset by ticker symbol (NOT_FOUND when unknown)' })
  asset(@Arg('symbol', () => String, { description: 'Ticker symbol, e.g. BTC' }) symbol: string, @Ctx() context: MarketContext): Promise<Asset> {
    return knownAsset(context, symbol);
  }

  @FieldResolver(() => Tick, {
    nullable: true,
    description: 'The newest tick: the latest round’s (from memory), else the newest stored one (the latest round had none of this asset); null when it never had one',
  })
  async latestTick(@Root() asset: Asset, @Ctx() context: MarketContext): Promise<Tick | null> {
    return this.snapshot.latestTick(asset.symbol) ?? context.storedLatestTick.load(asset.symbol);
  }

  @RequiresRole('USER', 'ANALYST', 'ADMIN')
  @FieldResolver(() => CandleConnection, { description: 'This asset’s candles of one interval; newest first unless from is given' })
  async candles(
    @Root() asset: Asset,
    @Arg('interval', () => CandleIntervalEnum, { description: 'Candle length' }) interval: CandleInterval,
    @Arg('from', () => Date, { nullable: true, description: 'Earliest open time (oldest first from here)' }) from: Date | null,
    @Arg('to', () => Date, { nullable: true, description: 'Latest open time' }) to: Date | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE, description: 'Page size, 1 to 1000' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last candle already seen' }) after: string | null,
    @Ctx() { candlePages }: MarketContext,
  ): Promise<Connection<Candle>> {
    const page = timePage({ list: 'candles', from, to, first, after });
    // A list of assets asking for the same page reads them all in one statement.
    return toConnection(await candlePages(interval, page).load(asset.symbol), page, (candle) => candle.openTime);
  }

  @RequiresRole('ADMIN')
  @Mutation(() => Asset, { description: 'Start collecting prices for an asset (admins); tracking a known asset again resumes it' })
  async trackAsset(
    @Arg('symbol', () => String, { description: 'Ticker symbol, e.g. ARB' }) symbol: string,
    @Arg('name', () => String, { nullable: true, description: 'Display name; defaults to the known name or the symbol' }) name: string | null,
    @Ctx() { em }: MarketContext,
  ): Promise<Asset> {
    const asset = await this.assetService.track(em, symbol, name);
    // A new name shows at once in the snapshot's ticks too (other replicas take it when its announcement comes, on commit).
    this.snapshot.assetChanged(asset);
    return asset;
  }

  @RequiresRole('ADMIN')
  @Mutation(() => Boolean, { description: 'Stop collecting prices for an asset (admins); its history stays' })
  async untrackAsset(@Arg('symbol', () => String, { description: 'Ticker symbol' }) symbol: string, @Ctx() { em }: MarketContext): Promise<boolean> {
    // The snapshot leaves it out at once (other replicas when its announcement comes, on commit), as `assets` does.
    this.snapshot.assetChanged(await this.assetService.untrack(em, symbol));
    return true;
  }
}
