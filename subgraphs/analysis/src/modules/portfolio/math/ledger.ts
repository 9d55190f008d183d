import Decimal from 'decimal.js';
import { exact, quotient } from '@herck/common/decimal';
import { InsufficientCashError, OversellError } from './portfolio-errors';
import { openPositionBook, PositionBook } from './position-book';
import { CostBasisMethod, grossAmount, PortfolioTransaction } from './transaction';

/**
 * Money entering (DEPOSIT) or leaving (WITHDRAWAL) the portfolio: what returns
 * are measured against. `implicit` marks a deposit the ledger inferred to pay
 * for a cost the cash could not cover.
 */
export interface ExternalFlow {
  kind: 'DEPOSIT' | 'WITHDRAWAL';
  amount: Decimal;
  time: Date;
  implicit: boolean;
}

/** One symbol at a moment; closed positions (quantity 0) stay so their realized P&L is visible. */
export interface Position {
  symbol: string;
  quantity: Decimal;
  costBasis: Decimal;
  /** costBasis / quantity; null for a closed position. */
  averageCost: Decimal | null;
  /** Sell proceeds (after sell fees) minus the cost basis of the units sold, summed over all sells. */
  realizedPnl: Decimal;
}

/** Cumulative state after some prefix of the ledger. */
export interface LedgerSnapshot {
  cash: Decimal;
  /** Every symbol ever bought, sorted by symbol. */
  positions: Position[];
  /** Sum of the positions' realized P&L. */
  realizedPnl: Decimal;
  /** Fees outside trades: FEE entries (gross + fee) and the fees on deposits and withdrawals. Trade fees live in cost basis and realized P&L instead. */
  otherFees: Decimal;
  /** External flows so far, implicit deposits included. */
  deposits: Decimal;
  withdrawals: Decimal;
}

/**
 * Called just before an external flow changes the cash (where TWR splits), with the ledger in the state
 * the flow interrupts: to be read then and there (its `snapshot()` builds every position, dividing
 * each one's average cost, which a listener reading only cash and quantities before each of 50,000
 * fills need not pay for).
 */
export type FlowListener = (flow: ExternalFlow, before: Ledger) => void;

interface Holding {
  book: PositionBook;
  realizedPnl: Decimal;
}

/**
 * Replays transactions (in time order) into cash and positions.
 *
 * Funding rule: a cost the cash cannot cover — a BUY, a FEE, a SELL whose fee
 * exceeds its proceeds — is paid by an implicit DEPOSIT of the shortfall at
 * that moment, so cash never goes negative. This is what makes a portfolio of
 * trades only (e.g. fills copied from the orders subgraph, with no deposits
 * recorded) measurable: each buy is money put in. A BUY paid from outside (a
 * filled order) is money put in whatever the cash holds. A WITHDRAWAL beyond the cash
 * is rejected instead (InsufficientCashError), and so is selling more than is
 * held (OversellError).
 */
export class Ledger {
  // Exact: every sum below keeps every digit of what went in (see ExactDecimal).
  private cash = exact(0);
  private otherFees = exact(0);
  private deposits = exact(0);
  private withdrawals = exact(0);
  private readonly holdings = new Map<string, Holding>();

  constructor(private readonly method: CostBasisMethod, private readonly onFlow?: FlowListener) {}

  apply(transaction: PortfolioTransaction): void {
    const gross = grossAmount(transaction);
    const fee = exact(transaction.fee);
    const { time } = transaction;
    switch (transaction.kind) {
      case 'BUY': {
        const cost = gross.plus(fee);
        if (transaction.paidFromOutside) this.flow({ kind: 'DEPOSIT', amount: cost, time, implicit: true });
        this.pay(cost, time);
        this.holding(transaction.symbol as string).book.buy(transaction.quantity, cost);
        return;
      }
      case 'SELL':
        this.sell(transaction.symbol as string, transaction.quantity, gross.minus(fee), time);
        return;
      case 'DEPOSIT':
        this.flow({ kind: 'DEPOSIT', amount: gross, time, implicit: false });
        this.otherFees = this.otherFees.plus(fee);
        this.pay(fee, time);
        return;
      case 'WITHDRAWAL': {
        const needed = gross.plus(fee);
        if (needed.gt(this.cash)) throw new InsufficientCashError(this.cash, needed, time);
        this.flow({ kind: 'WITHDRAWAL', amount: gross, time, implicit: false });
        this.otherFees = this.otherFees.plus(fee);
        this.cash = this.cash.minus(fee);
        return;
      }
      case 'FEE': {
        const cost = gross.plus(fee);
        this.otherFees = this.otherFees.plus(cost);
        this.pay(cost, time);
        return;
      }
    }
  }

  snapshot(): LedgerSnapshot {
    const positions = [...this.holdings.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([symbol, { book, realizedPnl }]): Position => ({
        symbol,
        quantity: book.quantity,
        costBasis: book.costBasis,
        averageCost: book.quantity.isZero() ? null : quotient(book.costBasis, book.quantity),
        realizedPnl,
      }));
    return {
      cash: this.cash,
      positions,
      realizedPnl: positions.reduce((sum, position) => sum.plus(position.realizedPnl), exact(0)),
      otherFees: this.otherFees,
      deposits: this.deposits,
      withdrawals: this.withdrawals,
    };
  }

  /** The cash held now. */
  get cashHeld(): Decimal {
    return this.cash;
  }

  /** Each symbol ever bought with the quantity held now (0 once sold out): the same object until it changes. */
  forEachQuantity(visit: (symbol: string, quantity: Decimal) => void): void {
    for (const [symbol, { book }] of this.holdings) visit(symbol, book.quantity);
  }

  private sell(symbol: string, quantity: Decimal, proceeds: Decimal, time: Date): void {
    const holding = this.holdings.get(symbol);
    const held = holding?.book.quantity ?? exact(0);
    if (!holding || quantity.gt(held)) throw new OversellError(symbol, held, quantity, time);
    const soldCost = holding.book.sell(quantity);
    holding.realizedPnl = holding.realizedPnl.plus(proceeds).minus(soldCost);
    // Proceeds are negative only when the sell fee exceeds the sale; that cost is then paid like any other.
    if (proceeds.isNeg()) this.pay(proceeds.neg(), time);
    else this.cash = this.cash.plus(proceeds);
  }

  /** Takes `amount` from cash, depositing the shortfall first (the funding rule above). */
  private pay(amount: Decimal, time: Date): void {
    const shortfall = amount.minus(this.cash);
    if (shortfall.gt(0)) this.flow({ kind: 'DEPOSIT', amount: shortfall, time, implicit: true });
    this.cash = this.cash.minus(amount);
  }

  private flow(flow: ExternalFlow): void {
    this.onFlow?.(flow, this);
    if (flow.kind === 'DEPOSIT') {
      this.deposits = this.deposits.plus(flow.amount);
      this.cash = this.cash.plus(flow.amount);
    } else {
      this.withdrawals = this.withdrawals.plus(flow.amount);
      this.cash = this.cash.minus(flow.amount);
    }
  }

  private holding(symbol: string): Holding {
    let holding = this.holdings.get(symbol);
    if (!holding) {
      holding = { book: openPositionBook(this.method), realizedPnl: exact(0) };
      this.holdings.set(symbol, holding);
    }
    return holding;
  }
}
