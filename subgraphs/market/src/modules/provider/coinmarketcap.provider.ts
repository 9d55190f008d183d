import { MarketProvider, ProviderGlobalMetrics, ProviderQuote, ProviderRound } from './market-provider';
import { DEFAULT_TIMEOUT_MS, fetchJson, HttpProviderOptions } from './provider-http';
import { dig, JsonReader } from './provider-json';
import { largestByMarketCap, quotesWithGlobal, uniqueSymbols } from './provider-quotes';

/** CoinMarketCap's production API. */
export const COINMARKETCAP_BASE_URL = 'https://pro-api.coinmarketcap.com';

/**
 * CoinMarketCap (API key required): quotes from /v1/cryptocurrency/quotes/latest
 * and market totals from /v1/global-metrics/quotes/latest, in USD. No FX rates.
 */
export class CoinMarketCapProvider implements MarketProvider {
  readonly name = 'coinmarketcap';
  readonly givesFxRates = false;
  private readonly read = new JsonReader(this.name);
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: HttpProviderOptions = {}) {
    this.baseUrl = options.baseUrl ?? COINMARKETCAP_BASE_URL;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async fetchRound(symbols: string[], _time: Date, signal: AbortSignal): Promise<ProviderRound> {
    const wanted = uniqueSymbols(symbols);
    return quotesWithGlobal(wanted.length ? this.quotes(wanted, signal) : Promise.resolve([]), this.global(signal));
  }

  private async quotes(wanted: string[], signal: AbortSignal): Promise<ProviderQuote[]> {
    // Without skip_invalid, one unknown symbol makes CMC refuse the whole request (HTTP 400).
    const body = await this.get('/v1/cryptocurrency/quotes/latest', { symbol: wanted.join(','), convert: 'USD', skip_invalid: 'true' }, signal);
    const data = this.read.object(this.read.object(body, 'answer').data, 'data');
    const quotes: ProviderQuote[] = [];
    for (const symbol of wanted) {
      const entry = data[symbol];
      if (entry === undefined || entry === null) continue;
      // v1 answers one coin per symbol; v2 and later a list of every coin with that ticker.
      const candidates = Array.isArray(entry) ? entry : [entry];
      const parsed = candidates.map((coin, i) => this.quote(symbol, coin, Array.isArray(entry) ? `data.${symbol}[${i}]` : `data.${symbol}`));
      const best = largestByMarketCap(parsed);
      if (best) quotes.push(best);
    }
    return quotes;
  }

  /** One coin's quote, or null when CMC has no price for it. */
  private quote(symbol: string, value: unknown, path: string): ProviderQuote | null {
    const coin = this.read.object(value, path);
    const usd = this.read.object(this.read.object(coin.quote, `${path}.quote`).USD, `${path}.quote.USD`);
    const price = this.read.optionalDecimal(usd.price, `${path}.quote.USD.price`, 'nonNegative');
    if (!price || price.isZero()) return null;
    const marketCap = this.read.optionalDecimal(usd.market_cap, `${path}.quote.USD.market_cap`, 'nonNegative');
    return {
      symbol,
      name: this.read.optionalString(coin.name, `${path}.name`),
      price,
      volume24h: this.read.optionalDecimal(usd.volume_24h, `${path}.quote.USD.volume_24h`, 'nonNegative'),
      // CMC reports 0 for coins whose circulating supply it has not verified: unknown, not worthless.
      marketCap: marketCap && !marketCap.isZero() ? marketCap : null,
      percentChange1h: this.read.optionalDecimal(usd.percent_change_1h, `${path}.quote.USD.percent_change_1h`, 'any'),
      percentChange24h: this.read.optionalDecimal(usd.percent_change_24h, `${path}.quote.USD.percent_change_24h`, 'any'),
    };
  }

  private async global(signal: AbortSignal): Promise<ProviderGlobalMetrics> {
    const body = await this.get('/v1/global-metrics/quotes/latest', { convert: 'USD' }, signal);
    const data = this.read.object(this.read.object(body, 'answer').data, 'data');
    const usd = this.read.object(this.read.object(data.quote, 'data.quote').USD, 'data.quote.USD');
    return {
      totalMarketCap: this.read.decimal(usd.total_market_cap, 'data.quote.USD.total_market_cap', 'nonNegative'),
      totalVolume24h: this.read.decimal(usd.total_volume_24h, 'data.quote.USD.total_volume_24h', 'nonNegative'),
      btcDominance: this.read.decimal(data.btc_dominance, 'data.btc_dominance', 'nonNegative'),
      activeCryptocurrencies: this.read.optionalInteger(data.active_cryptocurrencies, 'data.active_cryptocurrencies'),
    };
  }

  private get(path: string, query: Record<string, string>, signal: AbortSignal): Promise<unknown> {
    const headers: Record<string, string> = this.options.apiKey ? { 'X-CMC_PRO_API_KEY': this.options.apiKey } : {};
    return fetchJson({ provider: this.name, baseUrl: this.baseUrl, path, query, headers, timeoutMs: this.timeoutMs, signal, errorIn: cmcError });
  }
}

/** CMC puts errors in `status` (error_code 0 means success), with any HTTP status, 200 included. */
function cmcError(body: unknown): string | null {
  const code = dig(body, 'status', 'error_code');
  if (code === undefined || code === null || code === 0 || code === '0') return null;
  const message = dig(body, 'status', 'error_message');
  return `${typeof message === 'string' && message ? message : 'error'} (error_code ${String(code)})`;
}
