import { MarketProvider, ProviderGlobalMetrics, ProviderQuote, ProviderRound } from './market-provider';
import { DEFAULT_TIMEOUT_MS, fetchJson, HttpProviderOptions } from './provider-http';
import { dig, JsonReader } from './provider-json';
import { largestByMarketCap, quotesWithGlobal, uniqueSymbols } from './provider-quotes';

/** CoinGecko's public (and Demo-key) API; paid plans use https://pro-api.coingecko.com. */
export const COINGECKO_BASE_URL = 'https://api.coingecko.com';
const PRO_HOST = 'pro-api.coingecko.com';
/** coins/markets' largest page: room for every coin sharing one of the tickers asked. */
const PAGE_SIZE = '250';

/**
 * The header that carries a CoinGecko key. Demo keys work only on the public
 * host and Pro keys only on the Pro host (errors 10010/10011), so the base URL
 * decides: the Pro header for pro-api.coingecko.com, the Demo header elsewhere.
 */
export function coingeckoKeyHeader(baseUrl: string): 'x-cg-pro-api-key' | 'x-cg-demo-api-key' {
  return new URL(baseUrl).hostname === PRO_HOST ? 'x-cg-pro-api-key' : 'x-cg-demo-api-key';
}

/**
 * CoinGecko (key optional): quotes from /api/v3/coins/markets and market
 * totals from /api/v3/global, in USD. No FX rates.
 */
export class CoinGeckoProvider implements MarketProvider {
  readonly name = 'coingecko';
  readonly givesFxRates = false;
  private readonly read = new JsonReader(this.name);
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;

  constructor(options: HttpProviderOptions = {}) {
    this.baseUrl = options.baseUrl ?? COINGECKO_BASE_URL;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.headers = options.apiKey ? { [coingeckoKeyHeader(this.baseUrl)]: options.apiKey } : {};
  }

  async fetchRound(symbols: string[], _time: Date, signal: AbortSignal): Promise<ProviderRound> {
    const wanted = uniqueSymbols(symbols);
    return quotesWithGlobal(wanted.length ? this.quotes(wanted, signal) : Promise.resolve([]), this.global(signal));
  }

  private async quotes(wanted: string[], signal: AbortSignal): Promise<ProviderQuote[]> {
    const query = {
      vs_currency: 'usd',
      symbols: wanted.map((symbol) => symbol.toLowerCase()).join(','),
      price_change_percentage: '1h,24h',
      per_page: PAGE_SIZE,
    };
    const coins = this.read.array(await this.get('/api/v3/coins/markets', query, signal), 'answer');
    const bySymbol = new Map<string, (ProviderQuote | null)[]>();
    coins.forEach((value, i) => {
      const coin = this.read.object(value, `[${i}]`);
      const symbol = this.read.string(coin.symbol, `[${i}].symbol`).toUpperCase();
      if (!wanted.includes(symbol)) return;
      bySymbol.set(symbol, [...(bySymbol.get(symbol) ?? []), this.quote(symbol, coin, `[${i}]`)]);
    });
    return wanted.map((symbol) => largestByMarketCap(bySymbol.get(symbol) ?? [])).filter((quote): quote is ProviderQuote => quote !== null);
  }

  /** One coin's quote, or null when CoinGecko has no price for it. */
  private quote(symbol: string, coin: Record<string, unknown>, path: string): ProviderQuote | null {
    const price = this.read.optionalDecimal(coin.current_price, `${path}.current_price`, 'nonNegative');
    if (!price || price.isZero()) return null;
    const marketCap = this.read.optionalDecimal(coin.market_cap, `${path}.market_cap`, 'nonNegative');
    const change24h = coin.price_change_percentage_24h_in_currency ?? coin.price_change_percentage_24h;
    return {
      symbol,
      name: this.read.optionalString(coin.name, `${path}.name`),
      price,
      volume24h: this.read.optionalDecimal(coin.total_volume, `${path}.total_volume`, 'nonNegative'),
      // CoinGecko reports 0 when it does not know the circulating supply: unknown, not worthless.
      marketCap: marketCap && !marketCap.isZero() ? marketCap : null,
      percentChange1h: this.read.optionalDecimal(coin.price_change_percentage_1h_in_currency, `${path}.price_change_percentage_1h_in_currency`, 'any'),
      percentChange24h: this.read.optionalDecimal(change24h, `${path}.price_change_percentage_24h_in_currency`, 'any'),
    };
  }

  private async global(signal: AbortSignal): Promise<ProviderGlobalMetrics> {
    const data = this.read.object(this.read.object(await this.get('/api/v3/global', {}, signal), 'answer').data, 'data');
    const usd = (field: string) => this.read.object(data[field], `data.${field}`).usd;
    return {
      totalMarketCap: this.read.decimal(usd('total_market_cap'), 'data.total_market_cap.usd', 'nonNegative'),
      totalVolume24h: this.read.decimal(usd('total_volume'), 'data.total_volume.usd', 'nonNegative'),
      btcDominance: this.read.decimal(this.read.object(data.market_cap_percentage, 'data.market_cap_percentage').btc, 'data.market_cap_percentage.btc', 'nonNegative'),
      activeCryptocurrencies: this.read.optionalInteger(data.active_cryptocurrencies, 'data.active_cryptocurrencies'),
    };
  }

  private get(path: string, query: Record<string, string>, signal: AbortSignal): Promise<unknown> {
    return fetchJson({ provider: this.name, baseUrl: this.baseUrl, path, query, headers: this.headers, timeoutMs: this.timeoutMs, signal, errorIn: coingeckoError });
  }
}

/** CoinGecko's error documents come in three shapes, depending on the endpoint and status. */
function coingeckoError(body: unknown): string | null {
  const candidates = [dig(body, 'status', 'error_message'), dig(body, 'error', 'status', 'error_message'), dig(body, 'error')];
  const message = candidates.find((candidate): candidate is string => typeof candidate === 'string' && candidate.length > 0);
  if (message) return message;
  // An error document whose message is missing still is one (e.g. { status: { error_code: 429 } }).
  const code = dig(body, 'status', 'error_code') ?? dig(body, 'error', 'status', 'error_code');
  return typeof code === 'number' ? `error_code ${code}` : null;
}
