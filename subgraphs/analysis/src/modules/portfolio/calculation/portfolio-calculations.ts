import { CostBasisMethod, holdingsAt, performanceBetween, Performance, Valuation, valuationAt, ValuedHolding } from '../math';
import { LedgerRow, toLedgerEntry } from '../ledger-row';
import { priceLookupOf, PriceTable } from '../price-table';

/** What `performance` answers of a Performance. */
export type PerformanceFigures = Pick<Performance, 'roi' | 'twr' | 'xirr' | 'realizedPnl' | 'unrealizedPnl' | 'complete' | 'missingPrices'>;

/** What `balance` and `holdings` answer of a Valuation. */
export type ValuationFigures = Pick<Valuation, 'value' | 'cost' | 'cash' | 'complete' | 'missingPrices'> & {
  holdings: Pick<ValuedHolding, 'symbol' | 'quantity' | 'costBasis' | 'averageCost' | 'marketValue' | 'unrealizedPnl'>[];
};

/**
 * A performance with its end: the valuation at `to` (every transaction at or before it, at that day's
 * prices), exactly what `valuation` at `to` gives. Holdings and balance at that moment take it (ValuationMemo).
 */
export type PerformanceWithEnd = PerformanceFigures & { end: ValuationFigures };

/** A calculation over a whole ledger, in plain data: it may run on another thread. */
export type Calculation =
  | { op: 'performance'; ledger: LedgerRow[]; prices: PriceTable; from: Date; to: Date; method: CostBasisMethod }
  | { op: 'valuation'; ledger: LedgerRow[]; prices: PriceTable; at: Date; method: CostBasisMethod }
  | { op: 'replay'; ledger: LedgerRow[]; method: CostBasisMethod };

/** A moment after every transaction: replaying up to it checks the whole ledger. */
const END_OF_TIME = new Date(8.64e15);

/**
 * Runs one calculation. `replay` replays the ledger in time order (entries at one time in
 * the order given) and throws the PortfolioInputError of a sale of more than was held or a
 * withdrawal of more cash than there was.
 */
export function calculate(calculation: Calculation): PerformanceWithEnd | ValuationFigures | null {
  const ledger = calculation.ledger.map(toLedgerEntry);
  switch (calculation.op) {
    case 'performance': {
      const { roi, twr, xirr, realizedPnl, unrealizedPnl, complete, missingPrices, end } = performanceBetween(ledger, {
        from: calculation.from,
        to: calculation.to,
        method: calculation.method,
        prices: priceLookupOf(calculation.prices),
      });
      return { roi, twr, xirr, realizedPnl, unrealizedPnl, complete, missingPrices, end: valuationFigures(end) };
    }
    case 'valuation':
      return valuationFigures(valuationAt(ledger, calculation.at, calculation.method, priceLookupOf(calculation.prices)));
    case 'replay':
      ledger.sort((a, b) => a.time.getTime() - b.time.getTime());
      holdingsAt(ledger, END_OF_TIME, calculation.method);
      return null;
  }
}

function valuationFigures(valuation: Valuation): ValuationFigures {
  const { value, cost, cash, complete, missingPrices, holdings } = valuation;
  return {
    value,
    cost,
    cash,
    complete,
    missingPrices,
    holdings: holdings.map(({ symbol, quantity, costBasis, averageCost, marketValue, unrealizedPnl }) => ({ symbol, quantity, costBasis, averageCost, marketValue, unrealizedPnl })),
  };
}
