import { BinanceProvider } from './binance.provider';
import { CoinGeckoProvider } from './coingecko.provider';
import { CoinMarketCapProvider } from './coinmarketcap.provider';
import { FrankfurterProvider } from './frankfurter.provider';
import { MarketProvider } from './market-provider';
import { SimulatedProvider } from './simulated.provider';

/** Every provider the platform can use, by the name configuration gives it. */
export const PROVIDER_NAMES = ['simulated', 'coinmarketcap', 'coingecko', 'binance', 'frankfurter'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export function isProviderName(name: string): name is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(name);
}

/** Where each HTTP provider is reached; omitted base URLs mean the providers' public APIs. */
export interface ProvidersConfig {
  /** The providers to use, most preferred first, e.g. ['coingecko', 'simulated']. */
  names: string[];
  /** The simulated market's seed. */
  seed: string;
  /** Per-request time limit of the HTTP providers, in ms. */
  timeoutMs?: number;
  coinmarketcap?: { baseUrl?: string; apiKey?: string };
  coingecko?: { baseUrl?: string; apiKey?: string };
  binance?: { baseUrl?: string };
  frankfurter?: { baseUrl?: string };
}

/**
 * Builds the providers `config.names` lists, in that order. Throws on an
 * unknown or repeated name, and on CoinMarketCap without an API key (it refuses
 * every request without one), so a bad configuration stops start-up.
 */
export function createProviders(config: ProvidersConfig): MarketProvider[] {
  const seen = new Set<string>();
  return config.names.map((name) => {
    if (!isProviderName(name)) throw new Error(`Unknown market provider "${name}" (known: ${PROVIDER_NAMES.join(', ')})`);
    if (seen.has(name)) throw new Error(`Market provider "${name}" is listed twice`);
    seen.add(name);
    return createProvider(name, config);
  });
}

function createProvider(name: ProviderName, config: ProvidersConfig): MarketProvider {
  const timeoutMs = config.timeoutMs;
  switch (name) {
    case 'simulated':
      return new SimulatedProvider({ seed: config.seed });
    case 'coinmarketcap':
      if (!config.coinmarketcap?.apiKey) throw new Error('Market provider "coinmarketcap" needs an API key');
      return new CoinMarketCapProvider({ ...config.coinmarketcap, timeoutMs });
    case 'coingecko':
      return new CoinGeckoProvider({ ...config.coingecko, timeoutMs });
    case 'binance':
      return new BinanceProvider({ ...config.binance, timeoutMs });
    case 'frankfurter':
      return new FrankfurterProvider({ ...config.frankfurter, timeoutMs });
  }
}
