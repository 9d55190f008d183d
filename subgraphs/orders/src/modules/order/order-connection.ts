import { Connection, encodeTimeIdCursor, pageInfoOf } from '@herck/common';
import { Order, OrderRow, toOrder } from './order.type';

/**
 * A page of orders from rows read newest first with one row past the page (which tells whether
 * more follow); `afterSome` when it was asked for after a cursor or an offset.
 */
export function orderConnection(rows: OrderRow[], first: number, afterSome: boolean): Connection<Order> {
  const nodes = rows.slice(0, first).map(toOrder);
  const edges = nodes.map((node) => ({ node, cursor: encodeTimeIdCursor(node.createdAt, node.id) }));
  return { edges, nodes, pageInfo: pageInfoOf(edges, rows.length > first, afterSome) };
}
