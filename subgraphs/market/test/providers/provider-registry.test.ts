import { BinanceProvider } from '../../src/modules/provider/binance.provider';
import { CoinGeckoProvider } from '../../src/modules/provider/coingecko.provider';
import { CoinMarketCapProvider } from '../../src/modules/provider/coinmarketcap.provider';
import { FrankfurterProvider } from '../../src/modules/provider/frankfurter.provider';
import { createProviders, PROVIDER_NAMES, ProvidersConfig } from '../../src/modules/provider/provider-registry';
import { SimulatedProvider } from '../../src/modules/provider/simulated.provider';
import { liveSignal, ROUND_TIME, useReplayServer } from './provider-test-kit';

describe('provider registry', () => {
  const server = useReplayServer();
  const config = (names: string[]): ProvidersConfig => ({
    names,
    seed: 'registry',
    coinmarketcap: { baseUrl: server().url, apiKey: 'cmc-key' },
    coingecko: { baseUrl: server().url, apiKey: 'cg-key' },
    binance: { baseUrl: server().url },
    frankfurter: { baseUrl: server().url },
  });

  it('names every provider', () => {
    expect(PROVIDER_NAMES).toEqual(['simulated', 'coinmarketcap', 'coingecko', 'binance', 'frankfurter']);
  });

  it('builds the named providers in priority order', () => {
    const providers = createProviders(config(['coingecko', 'binance', 'frankfurter', 'coinmarketcap', 'simulated']));

    expect(providers.map((provider) => provider.name)).toEqual(['coingecko', 'binance', 'frankfurter', 'coinmarketcap', 'simulated']);
    expect(providers[0]).toBeInstanceOf(CoinGeckoProvider);
    expect(providers[1]).toBeInstanceOf(BinanceProvider);
    expect(providers[2]).toBeInstanceOf(FrankfurterProvider);
    expect(providers[3]).toBeInstanceOf(CoinMarketCapProvider);
    expect(providers[4]).toBeInstanceOf(SimulatedProvider);
  });

  it('hands each provider its base URL and key', async () => {
    server().route('GET', '/api/v3/coins/markets', { fixture: 'coingecko/coins-markets.json' });
    server().route('GET', '/api/v3/global', { fixture: 'coingecko/global.json' });
    const [coingecko] = createProviders(config(['coingecko']));

    await coingecko.fetchRound(['BTC'], ROUND_TIME, liveSignal());

    expect(server().requestsTo('/api/v3/global')[0].headers['x-cg-demo-api-key']).toBe('cg-key');
  });

  it('hands Frankfurter its base URL', async () => {
    server().route('GET', '/latest', { fixture: 'frankfurter/latest-usd.json' });
    const [frankfurter] = createProviders(config(['frankfurter']));

    expect((await frankfurter.fetchRound([], ROUND_TIME, liveSignal())).fx).toHaveLength(30);
    expect(server().requestsTo('/latest')).toHaveLength(1);
  });

  it('refuses an unknown or repeated name, and CoinMarketCap without a key', () => {
    expect(() => createProviders(config(['coingecko', 'kraken']))).toThrow('Unknown market provider "kraken" (known: simulated, coinmarketcap, coingecko, binance, frankfurter)');
    expect(() => createProviders(config(['simulated', 'simulated']))).toThrow('Market provider "simulated" is listed twice');
    expect(() => createProviders({ names: ['coinmarketcap'], seed: 'x' })).toThrow('Market provider "coinmarketcap" needs an API key');
  });

  it('defaults to the public APIs when no base URL is given', () => {
    expect(createProviders({ names: ['simulated', 'coingecko', 'binance', 'frankfurter'], seed: 'x' }).map((provider) => provider.name)).toEqual(['simulated', 'coingecko', 'binance', 'frankfurter']);
  });
});
