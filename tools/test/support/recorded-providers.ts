import { ReplayServer } from '../../../subgraphs/market/test/providers/replay-server';

/**
 * Market providers replaying recorded answers: CoinGecko's prices (BTC at
 * 104612 USD) and the ECB's rates (EUR 0.88051 per USD), with the settings
 * that point a market at them.
 */
export async function startRecordedProviders(): Promise<{ server: ReplayServer; env: Record<string, string> }> {
  const server = await ReplayServer.start();
  server.route('GET', '/api/v3/coins/markets', { fixture: 'coingecko/coins-markets.json' });
  server.route('GET', '/api/v3/global', { fixture: 'coingecko/global.json' });
  server.route('GET', '/latest', { fixture: 'frankfurter/latest-usd.json' });
  const env = { MARKET_INTERVAL_SECONDS: '1', MARKET_PROVIDERS: 'coingecko,frankfurter', MARKET_SYMBOLS: 'BTC,ETH', COINGECKO_BASE_URL: server.url, FRANKFURTER_BASE_URL: server.url };
  return { server, env };
}
