const TICKER_SYMBOL = /^[A-Z0-9]{1,15}$/;

/**
 * Whether `value` is an asset's ticker symbol as every service stores and announces it: upper
 * case, 1 to 15 letters or digits (BTC, ETH, 1INCH). Services name assets by it, so they agree on it.
 */
export function isTickerSymbol(value: string): boolean {
  return TICKER_SYMBOL.test(value);
}

const TICKER_SYMBOL_ANY_CASE = /^[A-Za-z0-9]{1,15}$/;
const CURRENCY_CODE_ANY_CASE = /^[A-Za-z]{3}$/;

/**
 * The ticker symbol `value` names, in any letter case and trimmed, upper-cased; null when it names
 * none. Checked before upper-casing: JavaScript's full case mapping makes ß SS, ﬁ FI and ı I, so
 * upper-cased first, a typo became another, valid symbol.
 */
export function tickerSymbolOf(value: string): string | null {
  const trimmed = value.trim();
  return TICKER_SYMBOL_ANY_CASE.test(trimmed) ? trimmed.toUpperCase() : null;
}

/** The three-letter currency code `value` names (EUR, usd), upper-cased; null when it names none (see tickerSymbolOf). */
export function currencyCodeOf(value: string): string | null {
  const trimmed = value.trim();
  return CURRENCY_CODE_ANY_CASE.test(trimmed) ? trimmed.toUpperCase() : null;
}
