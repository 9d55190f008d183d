const TICKER_SYMBOL = /^[A-Z0-9]{1,15}$/;

/**
 * Whether `value` is an asset's ticker symbol as every service stores and announces it: upper
 * case, 1 to 15 letters or digits (BTC, ETH, 1INCH). Services name assets by it, so they agree on it.
 */
export function isTickerSymbol(value: string): boolean {
  return TICKER_SYMBOL.test(value);
}
