import { MarketProvider, ProviderRound } from '../provider/market-provider';

/** What one provider did in one round: answered, failed (the error names it), or was not asked, and why. */
export type RoundOutcome =
  | { provider: MarketProvider; round: ProviderRound }
  | { provider: MarketProvider; error: string; retryAfterSeconds: number | null; failedAfterMs: number }
  | { provider: MarketProvider; notAsked: string };

/** Symbols named in a gap's reason; the rest are counted, so twenty tracked assets do not drown the providers' story. */
const SYMBOLS_NAMED = 5;
const REASON_LIMIT = 1000;

/**
 * Why a round that asked for `symbols` got no tick at all, in each provider's
 * own outcome: an admin must tell "it answered, but without these assets" from
 * "it failed" and from "it was switched off", so nothing is summed up as
 * "all disabled".
 */
export function noTickReason(symbols: string[], outcomes: RoundOutcome[]): string {
  if (!symbols.length) return 'no asset is tracked';
  if (!outcomes.length) return 'no provider is configured';
  const named = symbols.length > SYMBOLS_NAMED ? `${symbols.slice(0, SYMBOLS_NAMED).join(', ')} and ${symbols.length - SYMBOLS_NAMED} more` : symbols.join(', ');
  const each = outcomes.map((outcome) => {
    // Errors name their provider already (a ProviderError's message starts with it).
    if ('error' in outcome) return outcome.error;
    if ('notAsked' in outcome) return `${outcome.provider.name}: ${outcome.notAsked}`;
    return `${outcome.provider.name}: answered with no quote for ${named}`;
  });
  return `no provider quoted a tracked asset (${each.join('; ')})`.slice(0, REASON_LIMIT);
}
