/** An asset the platform tracks out of the box, with the figures the simulated provider starts from. */
export interface DefaultAsset {
  /** Upper-case ticker, as providers quote it. */
  symbol: string;
  name: string;
  /** USD price the simulated walk starts from at its epoch and drifts back towards (decimal string). */
  startPrice: string;
  /** Annualised volatility of the log-price (0.6 = 60 %); stablecoins are near 0.01. */
  annualVolatility: number;
  /** Typical 24-hour trading volume in USD (decimal string); the simulation jitters around it. */
  volume24h: string;
  /** Coins in circulation (decimal string): simulated market cap = price × supply. */
  circulatingSupply: string;
}

/**
 * Twenty large assets with figures close to the market of late 2025, so that
 * simulated prices, caps and BTC dominance (≈ 58 %) look like the real thing.
 * POL is Polygon's token since MATIC migrated to it.
 */
export const DEFAULT_ASSETS: readonly DefaultAsset[] = [
  { symbol: 'BTC', name: 'Bitcoin', startPrice: '97000', annualVolatility: 0.6, volume24h: '35000000000', circulatingSupply: '19800000' },
  { symbol: 'ETH', name: 'Ethereum', startPrice: '3400', annualVolatility: 0.75, volume24h: '18000000000', circulatingSupply: '120700000' },
  { symbol: 'USDT', name: 'Tether', startPrice: '1', annualVolatility: 0.01, volume24h: '60000000000', circulatingSupply: '160000000000' },
  { symbol: 'XRP', name: 'XRP', startPrice: '2.3', annualVolatility: 0.85, volume24h: '4000000000', circulatingSupply: '58000000000' },
  { symbol: 'BNB', name: 'BNB', startPrice: '650', annualVolatility: 0.55, volume24h: '1800000000', circulatingSupply: '145000000' },
  { symbol: 'SOL', name: 'Solana', startPrice: '190', annualVolatility: 0.9, volume24h: '4000000000', circulatingSupply: '500000000' },
  { symbol: 'USDC', name: 'USD Coin', startPrice: '1', annualVolatility: 0.01, volume24h: '8000000000', circulatingSupply: '60000000000' },
  { symbol: 'DOGE', name: 'Dogecoin', startPrice: '0.25', annualVolatility: 1.0, volume24h: '2000000000', circulatingSupply: '148000000000' },
  { symbol: 'ADA', name: 'Cardano', startPrice: '0.75', annualVolatility: 0.85, volume24h: '800000000', circulatingSupply: '35800000000' },
  { symbol: 'TRX', name: 'TRON', startPrice: '0.25', annualVolatility: 0.6, volume24h: '700000000', circulatingSupply: '86000000000' },
  { symbol: 'AVAX', name: 'Avalanche', startPrice: '30', annualVolatility: 0.95, volume24h: '500000000', circulatingSupply: '410000000' },
  { symbol: 'LINK', name: 'Chainlink', startPrice: '18', annualVolatility: 0.9, volume24h: '600000000', circulatingSupply: '650000000' },
  { symbol: 'XLM', name: 'Stellar', startPrice: '0.3', annualVolatility: 0.8, volume24h: '300000000', circulatingSupply: '31000000000' },
  { symbol: 'BCH', name: 'Bitcoin Cash', startPrice: '450', annualVolatility: 0.75, volume24h: '400000000', circulatingSupply: '19900000' },
  { symbol: 'SHIB', name: 'Shiba Inu', startPrice: '0.000015', annualVolatility: 1.0, volume24h: '300000000', circulatingSupply: '589000000000000' },
  { symbol: 'TON', name: 'Toncoin', startPrice: '3.5', annualVolatility: 0.85, volume24h: '300000000', circulatingSupply: '2500000000' },
  { symbol: 'DOT', name: 'Polkadot', startPrice: '5', annualVolatility: 0.85, volume24h: '300000000', circulatingSupply: '1550000000' },
  { symbol: 'LTC', name: 'Litecoin', startPrice: '95', annualVolatility: 0.75, volume24h: '600000000', circulatingSupply: '76000000' },
  { symbol: 'UNI', name: 'Uniswap', startPrice: '9', annualVolatility: 0.95, volume24h: '300000000', circulatingSupply: '600000000' },
  { symbol: 'POL', name: 'Polygon Ecosystem Token', startPrice: '0.35', annualVolatility: 0.95, volume24h: '200000000', circulatingSupply: '10400000000' },
];
