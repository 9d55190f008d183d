import Decimal from 'decimal.js';
import { exact } from '@herck/common/decimal';

/** What a ledger entry does; `PortfolioTransaction` says how each kind moves cash and holdings. */
export type TransactionKind = 'BUY' | 'SELL' | 'DEPOSIT' | 'WITHDRAWAL' | 'FEE';

/** How the cost of the units sold is chosen: the oldest lots first, or the running average. */
export type CostBasisMethod = 'FIFO' | 'AVERAGE';

/**
 * One ledger entry, in the portfolio's base currency (conversion happens
 * before this code sees it). `gross = quantity × price` for every kind, and
 * `fee` always leaves cash on top of it:
 *
 * - BUY: `quantity` units of `symbol` at `price`; cash −(gross + fee). The fee
 *   is part of the cost basis: it is what the units cost.
 * - SELL: cash +(gross − fee). The fee reduces the proceeds, so it lands in
 *   realized P&L.
 * - DEPOSIT / WITHDRAWAL: cash ±gross, an external flow (money entering or
 *   leaving the portfolio, which returns are measured against). `symbol` must
 *   be null; a plain cash amount is written `quantity = amount, price = 1`.
 * - FEE: cash −(gross + fee): a cost that is not a flow (custody, platform),
 *   so it lowers the returns. `symbol` may name what it was for; it is ignored.
 *
 * `id` is optional and only used to point at the entry in error messages.
 */
export interface PortfolioTransaction {
  id?: string;
  kind: TransactionKind;
  symbol: string | null;
  quantity: Decimal;
  price: Decimal;
  /**
   * `quantity × price` converted into the base currency as one amount, where it was entered in another
   * currency: converting the price of one unit and multiplying it back rounds round amounts away.
   */
  amount?: Decimal;
  fee: Decimal;
  time: Date;
  /**
   * A BUY paid with money from outside the portfolio (a filled order, paid in fiat through
   * the orders service): it never takes the portfolio's cash, which a later withdrawal may need.
   */
  paidFromOutside?: boolean;
}

/** `quantity × price`, exactly (or as converted, `amount`): the amount of a DEPOSIT, WITHDRAWAL or FEE, the gross value of a trade. */
export function grossAmount(transaction: PortfolioTransaction): Decimal {
  // An ExactDecimal either way: what it is added to or taken from is not rounded.
  return transaction.amount ? exact(transaction.amount) : exact(transaction.quantity).mul(transaction.price);
}
