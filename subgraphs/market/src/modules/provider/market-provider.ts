import Decimal from 'decimal.js';
import { CandleInterval } from '@herck/common';

/** One asset's quote in one round, in USD. Figures a provider does not have are null. */
export interface ProviderQuote {
  symbol: string;
  /** The asset's display name when the provider gives one. */
  name: string | null;
  price: Decimal;
  volume24h: Decimal | null;
  marketCap: Decimal | null;
  percentChange1h: Decimal | null;
  percentChange24h: Decimal | null;
}

/** Market-wide figures of one round, in USD (dominance in percent). */
export interface ProviderGlobalMetrics {
  totalMarketCap: Decimal;
  totalVolume24h: Decimal;
  btcDominance: Decimal;
  activeCryptocurrencies: number | null;
}

/** How many units of `quote` one US dollar buys. */
export interface ProviderFxRate {
  quote: string;
  rate: Decimal;
}

/** What a provider returns for one round; symbols it does not know are simply absent from `quotes`. */
export interface ProviderRound {
  quotes: ProviderQuote[];
  global: ProviderGlobalMetrics | null;
  fx: ProviderFxRate[];
  /** Why the market-wide figures are missing when their own request failed and the quotes did not. */
  globalError?: string;
}

/** A historical OHLCV candle (open time in UTC). */
export interface ProviderCandle {
  openTime: Date;
  open: Decimal;
  high: Decimal;
  low: Decimal;
  close: Decimal;
  volume: Decimal;
}

/** A source of market data (simulated, CoinMarketCap, CoinGecko, Binance, …), behind one interface. */
export interface MarketProvider {
  readonly name: string;
  /** A reference-rate source: its rounds carry FX rates (when none listed is, the simulated rates are used). */
  readonly givesFxRates: boolean;
  /**
   * The latest quotes for `symbols` (upper-case tickers such as BTC) at round
   * `time`. Throws a ProviderError when the provider fails for this round
   * (HTTP error, 429, error body, timeout, malformed answer). When `signal`
   * aborts with a {@link ProviderTimeout}, the provider's time for the round is
   * up: that too is a ProviderError, naming the request it was waiting for.
   */
  fetchRound(symbols: string[], time: Date, signal: AbortSignal): Promise<ProviderRound>;
  /** Historical candles, for providers that have them (Binance klines). */
  fetchCandles?(symbol: string, interval: CandleInterval, from: Date, to: Date, signal: AbortSignal): Promise<ProviderCandle[]>;
}

/** A provider failed for this round; the reason is shown to admins in `marketProviders`. */
export class ProviderError extends Error {
  constructor(
    readonly provider: string,
    message: string,
    /** From HTTP 429's Retry-After: do not ask again before this many seconds. */
    readonly retryAfterSeconds: number | null = null,
    /**
     * A failure that asking again a moment later may well not repeat (the network, a request
     * that timed out, a server error without Retry-After): retried within the round.
     */
    readonly transient = false,
  ) {
    super(`${provider}: ${message}`);
    this.name = 'ProviderError';
  }
}

/**
 * The reason a round aborts a provider's signal when the provider has used up
 * its time: unlike a cancelled round, the provider failed, and its error says
 * which request was still waiting, as its other errors do.
 */
export class ProviderTimeout extends Error {
  constructor(readonly limitMs: number) {
    super(`timed out after ${limitMs} ms`);
    this.name = 'ProviderTimeout';
  }
}
