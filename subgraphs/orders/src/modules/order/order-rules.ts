import Decimal from 'decimal.js';
import { BadUserInputError, currencyCodeOf, exact, tickerSymbolOf } from '@herck/common';

export function orderAsset(value: string): string {
  const symbol = tickerSymbolOf(value);
  if (!symbol) throw new BadUserInputError('asset must be a ticker symbol such as BTC', 'asset');
  return symbol;
}

export function orderCurrency(value: string): string {
  const currency = currencyCodeOf(value);
  if (!currency) throw new BadUserInputError('currency must be a three-letter code such as EUR', 'currency');
  return currency;
}

/** Above 0, at most 2 decimals, at most the configured maximum. */
export function orderAmount(amount: Decimal, max: Decimal): Decimal {
  if (amount.lte(0)) throw new BadUserInputError('amount must be above 0', 'amount');
  if (amount.decimalPlaces() > 2) throw new BadUserInputError('amount has at most 2 decimals', 'amount');
  if (amount.gt(max)) throw new BadUserInputError(`amount must be at most ${max.toFixed()}`, 'amount');
  return amount;
}

/**
 * 1 to 100 characters, counted as characters (an emoji is one, not two UTF-16 units). A lone
 * surrogate is no character: PostgreSQL stored each as U+FFFD, so two different keys
 * ("a\uD800", "a\uDC00") named the same order and the second answered with the first's.
 */
export function idempotencyKey(value: string): string {
  const length = [...value].length;
  if (/\p{Cs}/u.test(value)) throw new BadUserInputError('idempotencyKey must be well-formed text (no lone surrogates)', 'idempotencyKey');
  if (length < 1 || length > 100) throw new BadUserInputError('idempotencyKey must be 1 to 100 characters', 'idempotencyKey');
  return value;
}

/**
 * The quantity an amount buys at a price, rounded down to 8 decimals (never more than paid for).
 * The quotient is taken to far more digits than it has before the 8th decimal, so the rounding
 * down is the only one: at 20 significant digits a tiny price's quotient was rounded up first.
 */
export function quantityFor(amount: Decimal, price: Decimal): Decimal {
  return exact(amount).div(price).toDecimalPlaces(8, Decimal.ROUND_DOWN);
}

/** Whether a price or rate seen at `seenAt` may still be traded on at `now`: at most `maxAgeSeconds` old, that age included. */
export function freshEnough(seenAt: Date, now: Date, maxAgeSeconds: number): boolean {
  return now.getTime() - seenAt.getTime() <= maxAgeSeconds * 1000;
}
