import DataLoader from 'dataloader';
import { CandleInterval, SubgraphContext } from '@herck/common';
import { Asset } from './modules/asset/asset.entity';
import { Candle } from './modules/candle/candle.type';
import { GlobalMetrics } from './modules/global/global-metrics.type';
import { HistoryRepository } from './modules/history/history.repository';
import { LiveFeed } from './modules/live/live-feed';
import { TimePage } from './modules/paging/time-page';
import { Tick } from './modules/tick/tick.type';

export interface MarketContext extends SubgraphContext {
  history: HistoryRepository;
  /** Batches every asset lookup of one request (references from other subgraphs included). */
  assetsBySymbol: DataLoader<string, Asset | null>;
  /** A past round's global figures, by round time in milliseconds. */
  globalByTime: DataLoader<number, GlobalMetrics | null>;
  /** A past round's ticks, by round time in milliseconds. */
  ticksByTime: DataLoader<number, Tick[]>;
  /** The newest stored tick of each symbol, for assets the latest round had no tick of. */
  storedLatestTick: DataLoader<string, Tick | null>;
  /** One page of candles by symbol, batched across the assets of a request that ask for the same interval and page. */
  candlePages(interval: CandleInterval, page: TimePage): DataLoader<string, Candle[]>;
  /** Committed rounds and candle updates, for subscriptions. */
  live: LiveFeed;
}

/**
 * A request's context; a subscription's lives as long as it does and serves every event. So its
 * loaders batch without caching: a cache would serve each event what the first one loaded (an
 * asset's candles, its stored tick) and keep every round's key for good.
 */
export function createMarketContext(base: SubgraphContext, live: LiveFeed, now: () => number = Date.now): MarketContext {
  const noCache = { cache: false };
  const history = new HistoryRepository(base.em, now);
  const assetsBySymbol = new DataLoader<string, Asset | null>(async (symbols) => {
    const found = await base.em.find(Asset, { symbol: { $in: [...symbols] } });
    return symbols.map((symbol) => found.find((asset) => asset.symbol === symbol) ?? null);
  }, noCache);
  const globalByTime = new DataLoader<number, GlobalMetrics | null>(async (times) => {
    const found = await history.globalMetricsAt(times.map((time) => new Date(time)));
    return times.map((time) => found.find((metrics) => metrics.time.getTime() === time) ?? null);
  }, noCache);
  const ticksByTime = new DataLoader<number, Tick[]>(async (times) => {
    const found = await history.ticksAt(times.map((time) => new Date(time)));
    return times.map((time) => found.filter((tick) => tick.time.getTime() === time));
  }, noCache);
  const storedLatestTick = new DataLoader<string, Tick | null>(async (symbols) => {
    const found = await history.latestTicksOf([...symbols]);
    return symbols.map((symbol) => found.find((tick) => tick.symbol === symbol) ?? null);
  }, noCache);
  const candleLoaders = new Map<string, DataLoader<string, Candle[]>>();
  const candlePages = (interval: CandleInterval, page: TimePage) => {
    const key = JSON.stringify([interval, page]);
    let loader = candleLoaders.get(key);
    if (!loader) {
      loader = new DataLoader<string, Candle[]>(async (symbols) => {
        const bySymbol = new Map<string, Candle[]>(symbols.map((symbol) => [symbol, []]));
        for (const candle of await history.candlesOf([...new Set(symbols)], interval, page)) bySymbol.get(candle.symbol)?.push(candle);
        return symbols.map((symbol) => bySymbol.get(symbol)!);
      }, noCache);
      candleLoaders.set(key, loader);
    }
    return loader;
  };
  return { ...base, history, assetsBySymbol, globalByTime, ticksByTime, storedLatestTick, candlePages, live };
}
