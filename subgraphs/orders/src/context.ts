import DataLoader from 'dataloader';
import { Connection, SubgraphContext } from '@herck/common';
import { AccountOrdersPage, accountOrdersLoader } from './modules/order/account-orders.loader';
import { Order } from './modules/order/order.type';

export interface OrdersContext extends SubgraphContext {
  /** `Account.orders` pages of this request, read together. */
  accountOrders: DataLoader<AccountOrdersPage, Connection<Order>, string>;
}

export function createOrdersContext(base: SubgraphContext): OrdersContext {
  return { ...base, accountOrders: accountOrdersLoader(base.em) };
}
