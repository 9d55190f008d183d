import { Connection, encodeTimeIdCursor, pageInfoOf } from '@herck/common';
import { Order, OrderRow, toOrder } from './order.type';

/** The name order cursors carry: `orders` and `Account.orders` are the same list, an account's part of it. */
export const ORDERS_CURSOR = 'orders';

/** A page of orders, and how to count the whole list it is a page of (only when `totalCount` is asked for). */
export interface OrderListPage extends Connection<Order> {
  countAll(): Promise<number>;
}

/**
 * A page of orders from rows read newest first with one row past the page (which tells whether
 * more follow); `afterSome` when it was asked for after a cursor or an offset.
 */
export function orderConnection(rows: OrderRow[], first: number, afterSome: boolean, countAll: () => Promise<number>): OrderListPage {
  const nodes = rows.slice(0, first).map(toOrder);
  const edges = nodes.map((node) => ({ node, cursor: encodeTimeIdCursor(ORDERS_CURSOR, node.createdAt, node.id) }));
  return { edges, nodes, pageInfo: pageInfoOf(edges, rows.length > first, afterSome), countAll };
}
