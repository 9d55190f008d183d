import Decimal from 'decimal.js';
import { exact } from '@herck/common/decimal';
import { holdingsAt } from './holdings';
import { LedgerSnapshot, Position } from './ledger';
import { MissingPrice, PriceDay, priceDay, PriceLookup } from './price-lookup';
import { CostBasisMethod, PortfolioTransaction } from './transaction';

/** An open position with its market figures; both null when its price is missing. */
export interface ValuedHolding extends Position {
  price: Decimal | null;
  marketValue: Decimal | null;
  unrealizedPnl: Decimal | null;
}

/**
 * A portfolio valued at the close of `date`.
 * - value = cash + Σ marketValue of the holdings that have a price;
 * - cost = Σ costBasis of all open holdings (known without a price);
 * - unrealizedPnl = Σ (marketValue − costBasis) over the priced holdings only;
 * - a holding without a price adds nothing to value or unrealizedPnl, is listed
 *   in missingPrices, and `complete` is false: the figure is a lower bound, not a guess.
 */
export interface Valuation {
  date: PriceDay;
  value: Decimal;
  cost: Decimal;
  cash: Decimal;
  unrealizedPnl: Decimal;
  /** Cumulative realized P&L, carried from the ledger for convenience. */
  realizedPnl: Decimal;
  /** Open positions only (quantity > 0), sorted by symbol. */
  holdings: ValuedHolding[];
  missingPrices: MissingPrice[];
  complete: boolean;
}

/** Values a ledger state at the closes of `date`. */
export function valueSnapshot(snapshot: LedgerSnapshot, date: PriceDay, prices: PriceLookup): Valuation {
  const zero = exact(0);
  const holdings = snapshot.positions
    .filter((position) => position.quantity.gt(0))
    .map((position): ValuedHolding => {
      const price = prices(position.symbol, date);
      if (price === null) return { ...position, price: null, marketValue: null, unrealizedPnl: null };
      const marketValue = position.quantity.mul(price);
      return { ...position, price, marketValue, unrealizedPnl: marketValue.minus(position.costBasis) };
    });
  const missingPrices = holdings.filter((holding) => holding.price === null).map((holding) => ({ symbol: holding.symbol, date }));
  return {
    date,
    value: holdings.reduce((sum, holding) => sum.plus(holding.marketValue ?? zero), snapshot.cash),
    cost: holdings.reduce((sum, holding) => sum.plus(holding.costBasis), zero),
    cash: snapshot.cash,
    unrealizedPnl: holdings.reduce((sum, holding) => sum.plus(holding.unrealizedPnl ?? zero), zero),
    realizedPnl: snapshot.realizedPnl,
    holdings,
    missingPrices,
    complete: missingPrices.length === 0,
  };
}

/** The portfolio after every transaction at or before `at`, valued at the close of `at`'s UTC day. */
export function valuationAt(transactions: readonly PortfolioTransaction[], at: Date, method: CostBasisMethod, prices: PriceLookup): Valuation {
  return valueSnapshot(holdingsAt(transactions, at, method), priceDay(at), prices);
}
