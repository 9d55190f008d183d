import { SubgraphContext } from '@herck/common';

export type OrdersContext = SubgraphContext;

export function createOrdersContext(base: SubgraphContext): OrdersContext {
  return base;
}
