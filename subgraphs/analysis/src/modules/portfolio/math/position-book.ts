import Decimal from 'decimal.js';
import { AverageCostBook } from './average-cost-book';
import { FifoBook } from './fifo-book';
import { CostBasisMethod } from './transaction';

/**
 * The units of one symbol and what they cost, under one cost-basis method.
 * Callers check `quantity` before `sell` (the ledger turns an oversell into
 * an `OversellError`); a book only does the arithmetic.
 */
export interface PositionBook {
  readonly quantity: Decimal;
  /** Total cost of the units held, buy fees included. */
  readonly costBasis: Decimal;
  /** Adds units that cost `cost` in total (gross + fee). */
  buy(quantity: Decimal, cost: Decimal): void;
  /** Removes units and returns the cost basis that leaves with them. */
  sell(quantity: Decimal): Decimal;
}

export function openPositionBook(method: CostBasisMethod): PositionBook {
  return method === 'FIFO' ? new FifoBook() : new AverageCostBook();
}
