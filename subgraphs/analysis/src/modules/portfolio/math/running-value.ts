import Decimal from 'decimal.js';
import { exact } from '@herck/common/decimal';
import { Ledger } from './ledger';
import { MissingPrice, PriceDay, PriceLookup } from './price-lookup';

interface SymbolValue {
  quantity: Decimal;
  /** quantity × close; null when nothing is held or the close is missing. */
  marketValue: Decimal | null;
  missing: boolean;
}

/**
 * The value of a ledger at one moment after another (before each of 50,000 fills), as `valueSnapshot`
 * gives it — cash + Σ quantity × close of the day over the symbols held and priced — without valuing every
 * holding each time: a symbol's market value is multiplied again only when its quantity (a new object
 * whenever it changes) or the day changes, and the sum is carried from one moment to the next, taking
 * out a symbol's old market value and adding its new one. The sums are ExactDecimal's, exact, so the
 * carried total is the very value a fresh sum gives.
 */
export class RunningValue {
  private day: PriceDay | null = null;
  private readonly symbols = new Map<string, SymbolValue>();
  private total = exact(0);

  constructor(private readonly prices: PriceLookup) {}

  /** The ledger as it stands, at the closes of `day`, with the closes missing for it. */
  valueOf(ledger: Ledger, day: PriceDay): { value: Decimal; missingPrices: MissingPrice[] } {
    if (day !== this.day) {
      this.day = day;
      this.symbols.clear();
      this.total = exact(0);
    }
    const missingPrices: MissingPrice[] = [];
    ledger.forEachQuantity((symbol, quantity) => {
      let known = this.symbols.get(symbol);
      if (known?.quantity !== quantity) {
        if (known?.marketValue) this.total = this.total.minus(known.marketValue);
        known = this.valued(symbol, quantity, day);
        if (known.marketValue) this.total = this.total.plus(known.marketValue);
        this.symbols.set(symbol, known);
      }
      if (known.missing) missingPrices.push({ symbol, date: day });
    });
    return { value: ledger.cashHeld.plus(this.total), missingPrices };
  }

  private valued(symbol: string, quantity: Decimal, day: PriceDay): SymbolValue {
    // A position sold out is not valued, nor its close looked up (valueSnapshot lists open positions only).
    if (!quantity.gt(0)) return { quantity, marketValue: null, missing: false };
    const price = this.prices(symbol, day);
    return price === null ? { quantity, marketValue: null, missing: true } : { quantity, marketValue: quantity.mul(price), missing: false };
  }
}
