import { ProviderError, ProviderGlobalMetrics, ProviderQuote, ProviderRound } from './market-provider';
import { ProviderHttpError } from './provider-http';

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

/**
 * A round from a provider's two requests, its quotes and its market-wide figures: the quotes are
 * the round, the figures an extra. When only the figures fail (a server error, an answer that does
 * not parse, a timeout), the quotes stand and the figures come from the next provider, the reason in
 * `globalError` (a 502 there cost the round its prices, which then came from another source). A
 * 429 (or a ban, Binance's 418) still fails the provider, with Retry-After or without: it is the
 * provider that is rate-limited, not its figures alone; so does any other answer with Retry-After
 * (asked not to be asked again before then), and any failure of the figures when there are no quotes
 * to stand on.
 */
export async function quotesWithGlobal(quotes: Promise<ProviderQuote[]>, global: Promise<ProviderGlobalMetrics>): Promise<ProviderRound> {
  const [quoted, figures] = await Promise.allSettled([quotes, global]);
  if (quoted.status === 'rejected') throw quoted.reason;
  if (figures.status === 'fulfilled') return { quotes: quoted.value, global: figures.value, fx: [] };
  const failure: unknown = figures.reason;
  // With no quotes either, the failure is all the round has to say.
  if (!quoted.value.length || rateLimited(failure)) throw failure;
  return { quotes: quoted.value, global: null, fx: [], globalError: failure instanceof Error ? failure.message : String(failure) };
}

/** A failure that says the provider must not be asked again for now: a 429 or 418, or an answer with Retry-After. */
function rateLimited(failure: unknown): boolean {
  if (failure instanceof ProviderHttpError && RATE_LIMITED_STATUSES.has(failure.status)) return true;
  return failure instanceof ProviderError && failure.retryAfterSeconds !== null;
}

const RATE_LIMITED_STATUSES = new Set([418, 429]);
