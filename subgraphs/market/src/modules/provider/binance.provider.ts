import { CandleInterval, INTERVAL_MS } from '@herck/common';
import { BinanceListing } from './binance-listing';
import { MarketProvider, ProviderCandle, ProviderError, ProviderQuote, ProviderRound } from './market-provider';
import { DEFAULT_TIMEOUT_MS, fetchJson, HttpProviderOptions, ProviderHttpError } from './provider-http';
import { dig, JsonReader } from './provider-json';
import { uniqueSymbols } from './provider-quotes';

/** Binance's spot API. */
export const BINANCE_BASE_URL = 'https://api.binance.com';
/** Binance prices assets in USDT, taken as US dollars. */
const QUOTE_ASSET = 'USDT';
const INVALID_SYMBOL = -1121;
/** The most klines one request returns. */
const KLINE_LIMIT = 1000;

const BINANCE_INTERVALS: Record<CandleInterval, string> = { M1: '1m', M5: '5m', M15: '15m', H1: '1h', H4: '4h', D1: '1d' };

/**
 * Binance spot (no key needed for market data): last price, 24-hour USD volume
 * and change from /api/v3/ticker/24hr for each asset's USDT pair; candles from
 * /api/v3/klines. No market caps, 1-hour change, market totals or FX rates.
 */
export class BinanceProvider implements MarketProvider {
  readonly name = 'binance';
  readonly givesFxRates = false;
  private readonly read = new JsonReader(this.name);
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly listing: BinanceListing;

  constructor(options: Omit<HttpProviderOptions, 'apiKey'> = {}) {
    this.baseUrl = options.baseUrl ?? BINANCE_BASE_URL;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.listing = new BinanceListing((signal) => this.get('/api/v3/exchangeInfo', { permissions: 'SPOT' }, signal), this.read);
  }

  async fetchRound(symbols: string[], _time: Date, signal: AbortSignal): Promise<ProviderRound> {
    return { quotes: await this.quotes(uniqueSymbols(symbols), signal, true), global: null, fx: [] };
  }

  /**
   * Candles of `symbol`'s USDT pair opening in [from, to), oldest first, paging
   * through Binance's 1000-kline limit; none for an asset Binance does not list.
   * Volume is the quote volume (USDT, taken as USD), like the quotes' volume24h.
   * The last candle may still be open when `to` is in the future.
   */
  async fetchCandles(symbol: string, interval: CandleInterval, from: Date, to: Date, signal: AbortSignal): Promise<ProviderCandle[]> {
    const asset = symbol.trim().toUpperCase();
    if (!(await this.listing.usdtBaseAssets(signal)).has(asset)) return [];
    const end = to.getTime();
    const candles: ProviderCandle[] = [];
    let start = from.getTime();
    while (start < end) {
      const query = { symbol: `${asset}${QUOTE_ASSET}`, interval: BINANCE_INTERVALS[interval], startTime: String(start), endTime: String(end - 1), limit: String(KLINE_LIMIT) };
      const rows = this.read.array(await this.get('/api/v3/klines', query, signal), 'answer');
      const page = rows.map((row, i) => this.candle(row, `[${i}]`)).filter((candle) => candle.openTime.getTime() >= start && candle.openTime.getTime() < end);
      candles.push(...page);
      if (rows.length < KLINE_LIMIT || page.length === 0) break;
      const next = page[page.length - 1].openTime.getTime() + INTERVAL_MS[interval];
      // A page that does not move forward would loop for ever.
      if (next <= start) throw new ProviderError(this.name, 'klines paging did not advance');
      start = next;
    }
    return candles;
  }

  private async quotes(wanted: string[], signal: AbortSignal, mayRetry: boolean): Promise<ProviderQuote[]> {
    const listed = await this.listing.usdtBaseAssets(signal);
    const assets = wanted.filter((symbol) => listed.has(symbol));
    if (assets.length === 0) return [];
    let body: unknown;
    try {
      body = await this.get('/api/v3/ticker/24hr', { symbols: JSON.stringify(assets.map((asset) => `${asset}${QUOTE_ASSET}`)) }, signal);
    } catch (error) {
      // A pair delisted since the listing was cached: reload it once and ask again.
      if (!mayRetry || !(error instanceof ProviderHttpError) || dig(error.body, 'code') !== INVALID_SYMBOL) throw error;
      this.listing.forget();
      return this.quotes(wanted, signal, false);
    }
    const tickers = new Map<string, Record<string, unknown>>();
    this.read.array(body, 'answer').forEach((value, i) => {
      const ticker = this.read.object(value, `[${i}]`);
      tickers.set(this.read.string(ticker.symbol, `[${i}].symbol`), ticker);
    });
    const quotes: ProviderQuote[] = [];
    for (const asset of assets) {
      const ticker = tickers.get(`${asset}${QUOTE_ASSET}`);
      if (!ticker) continue;
      const path = `${asset}${QUOTE_ASSET}`;
      const price = this.read.decimal(ticker.lastPrice, `${path}.lastPrice`, 'nonNegative');
      // A pair without trades in 24 hours reports 0: no price rather than a free coin.
      if (price.isZero()) continue;
      quotes.push({
        symbol: asset,
        name: null,
        price,
        volume24h: this.read.decimal(ticker.quoteVolume, `${path}.quoteVolume`, 'nonNegative'),
        marketCap: null,
        percentChange1h: null,
        percentChange24h: this.read.decimal(ticker.priceChangePercent, `${path}.priceChangePercent`, 'any'),
      });
    }
    return quotes;
  }

  /** A kline row: [openTime, open, high, low, close, volume, closeTime, quoteVolume, …]. */
  private candle(value: unknown, path: string): ProviderCandle {
    const row = this.read.array(value, path);
    const price = (index: number) => this.read.decimal(row[index], `${path}[${index}]`, 'nonNegative');
    return {
      openTime: new Date(this.read.integer(row[0], `${path}[0]`)),
      open: price(1),
      high: price(2),
      low: price(3),
      close: price(4),
      volume: price(7),
    };
  }

  private get(path: string, query: Record<string, string>, signal: AbortSignal): Promise<unknown> {
    return fetchJson({ provider: this.name, baseUrl: this.baseUrl, path, query, timeoutMs: this.timeoutMs, signal, errorIn: binanceError });
  }
}

/** Binance errors: { "code": -1121, "msg": "Invalid symbol." }. */
function binanceError(body: unknown): string | null {
  const code = dig(body, 'code');
  const message = dig(body, 'msg');
  if (typeof code !== 'number' || typeof message !== 'string') return null;
  return `${message} (code ${code})`;
}
