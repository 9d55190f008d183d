import { JsonReader } from './provider-json';

/** How long the list of traded assets is trusted; Binance lists and delists rarely. */
export const LISTING_TTL_MS = 6 * 3_600_000;

/**
 * The assets Binance trades against USDT (status TRADING), read from
 * /api/v3/exchangeInfo and cached. /api/v3/ticker/24hr refuses a whole request
 * with -1121 "Invalid symbol." when one pair does not exist, so requests name
 * only listed pairs.
 */
export class BinanceListing {
  private cached: { assets: ReadonlySet<string>; loadedAt: number } | null = null;

  constructor(
    private readonly load: (signal: AbortSignal) => Promise<unknown>,
    private readonly read: JsonReader,
    private readonly now: () => number = Date.now,
  ) {}

  /** Base assets with a trading USDT pair (BTC for BTCUSDT). */
  async usdtBaseAssets(signal: AbortSignal): Promise<ReadonlySet<string>> {
    if (this.cached && this.now() - this.cached.loadedAt < LISTING_TTL_MS) return this.cached.assets;
    const info = this.read.object(await this.load(signal), 'answer');
    const assets = new Set<string>();
    this.read.array(info.symbols, 'symbols').forEach((value, i) => {
      const pair = this.read.object(value, `symbols[${i}]`);
      if (pair.status === 'TRADING' && pair.quoteAsset === 'USDT') assets.add(this.read.string(pair.baseAsset, `symbols[${i}].baseAsset`));
    });
    this.cached = { assets, loadedAt: this.now() };
    return assets;
  }

  /** Drops the cache, when Binance has shown it to be stale. */
  forget(): void {
    this.cached = null;
  }
}
