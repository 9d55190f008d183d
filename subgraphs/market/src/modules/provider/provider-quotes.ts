import { ProviderQuote } from './market-provider';

/**
 * Several coins can share a ticker (a major asset and look-alike tokens); the
 * one with the largest market cap is the one people mean. Coins without a cap
 * rank last; null when there is no quote at all.
 */
export function largestByMarketCap(quotes: (ProviderQuote | null)[]): ProviderQuote | null {
  let best: ProviderQuote | null = null;
  for (const quote of quotes) {
    if (!quote) continue;
    if (!best || (quote.marketCap && (!best.marketCap || quote.marketCap.greaterThan(best.marketCap)))) best = quote;
  }
  return best;
}

/** Upper-case tickers, each once, in the order asked. */
export function uniqueSymbols(symbols: string[]): string[] {
  return [...new Set(symbols.map((symbol) => symbol.trim().toUpperCase()).filter((symbol) => symbol.length > 0))];
}
