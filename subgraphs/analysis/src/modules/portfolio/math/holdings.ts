import { Ledger, LedgerSnapshot } from './ledger';
import { orderTransactions, upTo } from './order-transactions';
import { CostBasisMethod, PortfolioTransaction } from './transaction';

/**
 * Cash and positions after every transaction at or before `at`, under `method`.
 * Every entry is validated on its own (a malformed one fails every figure);
 * oversell and withdrawals beyond the cash are found among the entries replayed,
 * those up to `at`. Failures are PortfolioInputError subclasses.
 */
export function holdingsAt(transactions: readonly PortfolioTransaction[], at: Date, method: CostBasisMethod): LedgerSnapshot {
  const ledger = new Ledger(method);
  upTo(orderTransactions(transactions), at).forEach((transaction) => ledger.apply(transaction));
  return ledger.snapshot();
}
