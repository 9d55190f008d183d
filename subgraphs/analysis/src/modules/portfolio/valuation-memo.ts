import { ValuationFigures } from './calculation/portfolio-calculations';
import { LedgerRow } from './ledger-row';

/**
 * The valuations of one request, each calculated once: a portfolio's `holdings` and `balance` at
 * one moment are figures of the same valuation, which was calculated for each (a long ledger's
 * takes seconds). Kept by the ledger as read: fields resolved together load it in one batch and
 * get the same rows (ledgerLoader), while a field after a mutation of the same request reads the
 * ledger again and is calculated anew.
 */
export class ValuationMemo {
  private readonly byLedger = new WeakMap<LedgerRow[], Map<string, Promise<ValuationFigures>>>();

  /** The valuation `key` names (moment, currency, method) of this ledger: `calculate`d the first time only. */
  once(ledger: LedgerRow[], key: string, calculate: () => Promise<ValuationFigures>): Promise<ValuationFigures> {
    let valuations = this.byLedger.get(ledger);
    if (!valuations) this.byLedger.set(ledger, (valuations = new Map()));
    let valuation = valuations.get(key);
    if (!valuation) valuations.set(key, (valuation = calculate()));
    return valuation;
  }
}
