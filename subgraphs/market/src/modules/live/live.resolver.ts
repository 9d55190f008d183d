import { Arg, Resolver, Root, Subscription, SubscribeResolverData } from 'type-graphql';
import { Authenticated, BadUserInputError, CandleInterval, CandleIntervalEnum, NotFoundError } from '@herck/common';
import { MarketContext } from '../../context';
import { Asset } from '../asset/asset.entity';
import { knownAsset } from '../asset/symbol-rules';
import { Candle } from '../candle/candle.type';
import { Tick } from '../tick/tick.type';

type SubscribeData = SubscribeResolverData<unknown, Record<string, unknown>, MarketContext>;

/**
 * Live data at the subgraph, over graphql-ws (the gateway subscribes here
 * with its internal token). Events are published after each round commits.
 */
@Resolver()
export class LiveResolver {
  @Authenticated()
  @Subscription(() => [Tick], {
    description: "Each round's ticks for the given symbols (all tracked symbols when omitted)",
    subscribe: async ({ args, context }: SubscribeData) => {
      // No symbol at all would never emit, and hold a subscription slot for nothing.
      if (Array.isArray(args.symbols) && args.symbols.length === 0) throw new BadUserInputError('symbols is an empty list: name at least one symbol, or leave symbols out for every tracked one', 'symbols');
      // An asset the platform does not know (whatever its symbol looks like), or no longer tracks, would never emit: NOT_FOUND, as in queries.
      const assets = await Promise.all(((args.symbols as string[] | null | undefined) ?? []).map((symbol) => trackedAsset(context, symbol)));
      return context.live.rounds(args.symbols ? [...new Set(assets.map((asset) => asset.symbol))] : null);
    },
  })
  ticks(
    @Root() ticks: Tick[],
    @Arg('symbols', () => [String], { nullable: true, description: 'Ticker symbols; all tracked ones when omitted (an empty list is refused: BAD_USER_INPUT)' }) _symbols: string[] | null,
  ): Tick[] {
    return ticks;
  }

  @Authenticated()
  @Subscription(() => Candle, {
    description: 'Each update of the current candle of one asset and interval, then its close',
    subscribe: async ({ args, context }: SubscribeData) => context.live.candles((await trackedAsset(context, String(args.symbol))).symbol, args.interval as CandleInterval),
  })
  candles(
    @Root() candle: Candle,
    @Arg('symbol', () => String, { description: 'Ticker symbol' }) _symbol: string,
    @Arg('interval', () => CandleIntervalEnum, { description: 'Candle length' }) _interval: CandleInterval,
  ): Candle {
    return candle;
  }
}

/**
 * The asset a subscription names, which must be tracked: an untracked one keeps its history for
 * queries but gets no new ticks, so a subscription to it would wait in silence. One open when its
 * asset is untracked stays open, and resumes if an admin tracks it again: also when the gateway
 * subscribes to it again after this service restarted (`resumedSince`).
 */
async function trackedAsset(context: MarketContext, symbol: string): Promise<Asset> {
  const asset = await knownAsset(context, symbol);
  if (!asset.tracked && !context.resumedSince) throw new NotFoundError(`Tracked asset ${asset.symbol}`);
  return asset;
}
