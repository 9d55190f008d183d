import { ValuationFigures } from './calculation/portfolio-calculations';
import { LedgerRow } from './ledger-row';

/**
 * The valuations of one request, each calculated once: a portfolio's `holdings` and `balance` at
 * one moment are figures of the same valuation, which was calculated for each (a long ledger's
 * takes seconds). Kept by the ledger as read: fields resolved together load it in one batch and
 * get the same rows (ledgerLoader), while a field after a mutation of the same request reads the
 * ledger again and is calculated anew.
 *
 * A `performance` to that moment ends in that very valuation (its last step, after replaying the same
 * ledger): it announces its end (`ending`) as soon as it has the ledger, and a valuation of the moment
 * takes it instead of calculating (`endOf`, asked once its prices are read: by then every field given
 * the same ledger batch has announced what it calculates, whichever comes first in the query).
 */
export class ValuationMemo {
  private readonly byLedger = new WeakMap<LedgerRow[], Map<string, Promise<ValuationFigures>>>();
  private readonly ends = new WeakMap<LedgerRow[], Map<string, Promise<ValuationFigures>>>();

  /** The valuation `key` names (moment, currency, method) of this ledger: `calculate`d the first time only. */
  once(ledger: LedgerRow[], key: string, calculate: () => Promise<ValuationFigures>): Promise<ValuationFigures> {
    let valuations = this.byLedger.get(ledger);
    if (!valuations) this.byLedger.set(ledger, (valuations = new Map()));
    let valuation = valuations.get(key);
    if (!valuation) valuations.set(key, (valuation = calculate()));
    return valuation;
  }

  /** A performance of this ledger ends at the moment `key` names: its end is that valuation. */
  ending(ledger: LedgerRow[], key: string, end: Promise<ValuationFigures>): void {
    let ends = this.ends.get(ledger);
    if (!ends) this.ends.set(ledger, (ends = new Map()));
    if (ends.has(key)) return;
    // Its failure is the performance's to report; a valuation that took it gets it too.
    end.catch(() => undefined);
    ends.set(key, end);
  }

  /** The end of a performance of this ledger at the moment `key` names, if one is being calculated. */
  endOf(ledger: LedgerRow[], key: string): Promise<ValuationFigures> | undefined {
    return this.ends.get(ledger)?.get(key);
  }
}
