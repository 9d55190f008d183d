import { Connection, encodeTimeIdCursor } from '@herck/common';
import { Order, OrderRow, toOrder } from './order.type';

/** A page of orders from rows read newest first with one row past the page (which tells whether more follow). */
export function orderConnection(rows: OrderRow[], first: number): Connection<Order> {
  const nodes = rows.slice(0, first).map(toOrder);
  const edges = nodes.map((node) => ({ node, cursor: encodeTimeIdCursor(node.createdAt, node.id) }));
  return { edges, nodes, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
}
