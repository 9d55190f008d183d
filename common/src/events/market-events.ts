/** Published by the market subgraph; consumed by analysis and orders. Decimals travel as strings. */

/**
 * One ingestion round: its time and each tracked asset's price (USD) with the
 * provider it came from, its 24 h traded volume (USD) and 24 h change (percent)
 * when the provider has them. A round's closed candles are announced before it.
 */
export const MARKET_TICK = 'market.tick';
export interface MarketTickEvent {
  time: string;
  prices: { symbol: string; price: string; source: string; volume24h?: string | null; change24h?: string | null }[];
}

/** A candle that has closed (its period ended); OHLCV in USD. */
export const MARKET_CANDLE = 'market.candle';
export interface MarketCandleEvent {
  symbol: string;
  interval: 'M1' | 'M5' | 'M15' | 'H1' | 'H4' | 'D1';
  openTime: string;
  closeTime: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  /**
   * Counts the candle's changes in market (a close, then an import that replaces its figures): of two
   * announcements of one candle the higher is the newer, whichever reached the bus first (during an
   * upgrade, a replica still on the old relay may pass another's events). Absent from announcements
   * made before it existed.
   */
  revision?: number;
  /**
   * Read from a file an admin imported (importCandles, market:import), or built from such candles,
   * not closed by a round: history, which consumers take in, but no strategy evaluates at.
   */
  imported?: boolean;
}

/** The FX rates of one round: how many units of each quote currency one unit of `base` buys. */
export const MARKET_FX = 'market.fx';
export interface MarketFxEvent {
  time: string;
  base: 'USD';
  rates: Record<string, string>;
}

/**
 * Market started or stopped following an asset: each configured symbol on market's first
 * start, each admin's `trackAsset` and `untrackAsset`. Consumers learn of a new asset before its
 * first tick (up to a round later). Only a later `market.asset` undoes an untracking: a round that
 * read the asset just before it may be announced just after.
 */
export const MARKET_ASSET = 'market.asset';
export interface MarketAssetEvent {
  symbol: string;
  name: string;
  tracked: boolean;
  changedAt: string;
  /**
   * The asset's version: each change counts it up under the asset's lock, so of two announcements of
   * one asset the higher is the newer, whichever reached the bus first. Absent from announcements made
   * before it existed.
   */
  version?: number;
}
