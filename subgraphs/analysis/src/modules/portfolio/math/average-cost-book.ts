import Decimal from 'decimal.js';
import { exact } from '@herck/common/decimal';
import { PositionBook } from './position-book';
import { proportionalCost } from './proportional-cost';

/**
 * Average cost: all units of a symbol share one cost per unit, so a sell takes
 * cost in proportion to the units sold and the average of the rest is unchanged.
 */
export class AverageCostBook implements PositionBook {
  quantity = exact(0);
  costBasis = exact(0);

  buy(quantity: Decimal, cost: Decimal): void {
    this.quantity = this.quantity.plus(quantity);
    this.costBasis = this.costBasis.plus(cost);
  }

  sell(quantity: Decimal): Decimal {
    const soldCost = proportionalCost(this.costBasis, quantity, this.quantity);
    this.quantity = this.quantity.minus(quantity);
    this.costBasis = this.costBasis.minus(soldCost);
    return soldCost;
  }
}
