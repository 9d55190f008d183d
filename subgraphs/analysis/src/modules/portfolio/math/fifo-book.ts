import Decimal from 'decimal.js';
import { exact } from '@herck/common/decimal';
import { PositionBook } from './position-book';
import { proportionalCost } from './proportional-cost';

interface Lot {
  quantity: Decimal;
  cost: Decimal;
}

/** First in, first out: each buy is a lot with its own cost (its fee included); a sell consumes the oldest lots. */
export class FifoBook implements PositionBook {
  private readonly lots: Lot[] = [];
  quantity = exact(0);
  costBasis = exact(0);

  buy(quantity: Decimal, cost: Decimal): void {
    this.lots.push({ quantity: exact(quantity), cost: exact(cost) });
    this.quantity = this.quantity.plus(quantity);
    this.costBasis = this.costBasis.plus(cost);
  }

  sell(quantity: Decimal): Decimal {
    let remaining = exact(quantity);
    let soldCost = exact(0);
    while (remaining.gt(0)) {
      const lot = this.lots[0];
      if (!lot) throw new Error('FifoBook.sell: more units than the lots hold (the ledger checks this first)');
      const taken = lot.quantity.lt(remaining) ? lot.quantity : remaining;
      const cost = proportionalCost(lot.cost, taken, lot.quantity);
      soldCost = soldCost.plus(cost);
      remaining = remaining.minus(taken);
      lot.quantity = lot.quantity.minus(taken);
      lot.cost = lot.cost.minus(cost);
      if (lot.quantity.isZero()) this.lots.shift();
    }
    this.quantity = this.quantity.minus(quantity);
    // Recomputed from the lots rather than decremented, so the total never drifts from what the lots say.
    this.costBasis = this.lots.reduce((sum, lot) => sum.plus(lot.cost), exact(0));
    return soldCost;
  }
}
