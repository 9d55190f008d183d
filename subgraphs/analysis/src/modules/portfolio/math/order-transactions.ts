import { PortfolioTransaction } from './transaction';
import { validateTransaction } from './validate-transaction';

/**
 * Validated copy in time order. Equal times keep the order given (the sort is
 * stable), so the caller decides, e.g. by insertion, whether a same-instant
 * deposit comes before the buy it pays for — it matters for oversell, cash
 * and where the time-weighted return splits.
 */
export function orderTransactions(transactions: readonly PortfolioTransaction[]): PortfolioTransaction[] {
  transactions.forEach(validateTransaction);
  return [...transactions].sort((a, b) => a.time.getTime() - b.time.getTime());
}

/** The prefix of an ordered list up to and including `at`. */
export function upTo(ordered: readonly PortfolioTransaction[], at: Date): PortfolioTransaction[] {
  const limit = at.getTime();
  return ordered.filter((transaction) => transaction.time.getTime() <= limit);
}
