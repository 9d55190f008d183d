import DataLoader from 'dataloader';
import { SubgraphContext } from '@herck/common';
import { AccountOrdersPage, accountOrdersLoader } from './modules/order/account-orders.loader';
import { OrderListPage } from './modules/order/order-connection';

export interface OrdersContext extends SubgraphContext {
  /** `Account.orders` pages of this request, read together. */
  accountOrders: DataLoader<AccountOrdersPage, OrderListPage, string>;
}

export function createOrdersContext(base: SubgraphContext): OrdersContext {
  return { ...base, accountOrders: accountOrdersLoader(base.em) };
}
