import { BadUserInputError, NotFoundError, tickerSymbolOf } from '@herck/common';
import { MarketContext } from '../../context';
import { Asset } from './asset.entity';

/** Ticker symbols are matched in upper case; anything that cannot be one is BAD_USER_INPUT. */
export function normaliseSymbol(value: string, field = 'symbol'): string {
  const symbol = tickerSymbolOf(value);
  if (!symbol) throw new BadUserInputError(`${field} must be a ticker symbol such as BTC (1 to 15 letters or digits)`, field);
  return symbol;
}

/**
 * Queries (and subscriptions) about an asset the platform does not know answer NOT_FOUND,
 * whatever the symbol looks like: no asset has `unknown-coin` either. Mutations, which
 * name a symbol to act on, refuse a malformed one as bad input (`normaliseSymbol`).
 */
export async function knownAsset(context: MarketContext, value: string): Promise<Asset> {
  const symbol = tickerSymbolOf(value);
  const asset = symbol ? await context.assetsBySymbol.load(symbol) : null;
  const named = symbol ?? value.trim();
  if (!asset) throw new NotFoundError(named ? `Asset ${named.slice(0, 32)}` : 'Asset');
  return asset;
}
