import { EnvReader, Environment, isTickerSymbol, readSubgraphConfig, SubgraphConfig } from '@herck/common';
import { DEFAULT_ASSETS } from './modules/asset/default-assets';
import { PROVIDER_NAMES } from './modules/provider/provider-registry';

export interface ProviderEndpoint {
  baseUrl: string;
  apiKey?: string;
}

export interface MarketConfig extends SubgraphConfig {
  /** Assets tracked from the first start (more can be tracked by admins). */
  symbols: string[];
  /** Providers in priority order: each symbol's tick comes from the first that has it. */
  providers: string[];
  /** Rounds fire at wall-clock multiples of this. */
  intervalSeconds: number;
  /** The simulated feed's seed: the same seed and time give the same prices. */
  seed: string;
  tickRetentionDays: number;
  /** How long the bus keeps market's events (ticks, rates, closed candles): a consumer away longer misses them. */
  eventRetentionDays: number;
  providerTimeoutMs: number;
  /** Attempts at a provider that fails transiently, within its time for the round (1: no retry). */
  providerAttempts: number;
  /** False: serve queries only, never ingest (a read replica). */
  ingest: boolean;
  coinmarketcap: ProviderEndpoint;
  coingecko: ProviderEndpoint;
  binance: ProviderEndpoint;
  /** ECB reference rates (FX only). */
  frankfurter: ProviderEndpoint;
}

export function readMarketConfig(source: Environment = process.env): MarketConfig {
  const env = new EnvReader(source);
  const subgraph = readSubgraphConfig(env, 'market');
  const providers = env.list('MARKET_PROVIDERS', ['simulated']).map((name) => name.toLowerCase());
  for (const name of providers) {
    if (!(PROVIDER_NAMES as readonly string[]).includes(name)) env.problem('MARKET_PROVIDERS', `names an unknown provider "${name}" (known: ${PROVIDER_NAMES.join(', ')})`);
  }
  const symbols = env.list('MARKET_SYMBOLS', DEFAULT_ASSETS.map((asset) => asset.symbol)).map((symbol) => symbol.toUpperCase());
  for (const symbol of symbols) if (!isTickerSymbol(symbol)) env.problem('MARKET_SYMBOLS', `"${symbol}" is not a ticker symbol`);
  const cmcKey = env.string('CMC_API_KEY');
  if (providers.includes('coinmarketcap') && !cmcKey) env.problem('CMC_API_KEY', 'is required when MARKET_PROVIDERS names coinmarketcap');
  const onlySimulated = providers.every((name) => name === 'simulated');
  return env.finish({
    ...subgraph,
    symbols,
    providers,
    intervalSeconds: env.int('MARKET_INTERVAL_SECONDS', onlySimulated ? 5 : 60, { min: 1, max: 86_400 }),
    seed: env.string('MARKET_SEED', 'herck'),
    tickRetentionDays: env.int('MARKET_TICK_RETENTION_DAYS', 30, { min: 1 }),
    eventRetentionDays: env.int('MARKET_EVENT_RETENTION_DAYS', 7, { min: 1 }),
    providerTimeoutMs: env.int('MARKET_PROVIDER_TIMEOUT_MS', 10_000, { min: 100, max: 120_000 }),
    providerAttempts: env.int('MARKET_PROVIDER_ATTEMPTS', 3, { min: 1, max: 10 }),
    ingest: env.bool('MARKET_INGEST', true),
    coinmarketcap: { baseUrl: env.url('CMC_BASE_URL', 'https://pro-api.coinmarketcap.com', ['http', 'https']), apiKey: cmcKey },
    coingecko: { baseUrl: env.url('COINGECKO_BASE_URL', 'https://api.coingecko.com', ['http', 'https']), apiKey: env.string('COINGECKO_API_KEY') },
    binance: { baseUrl: env.url('BINANCE_BASE_URL', 'https://api.binance.com', ['http', 'https']) },
    frankfurter: { baseUrl: env.url('FRANKFURTER_BASE_URL', 'https://api.frankfurter.app', ['http', 'https']) },
  });
}
