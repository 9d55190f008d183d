import DataLoader from 'dataloader';
import { EntityManager } from '@mikro-orm/postgresql';
import { arrayParameter, decodeTimeIdCursor, isUuid, SharedRead, sharedRead, TimeIdPosition } from '@herck/common';
import { OrderRow } from './order.type';
import { orderConnection, OrderListPage, ORDERS_CURSOR } from './order-connection';

/** One page of one account's orders, newest first. */
export interface AccountOrdersPage {
  accountId: string;
  first: number;
  after: string | null;
}

/**
 * `Account.orders` for every account of a request in one query per page
 * shape: `accounts { orders(first: 20) }` for a page of fifty accounts reads
 * fifty newest-first pages in one statement (a lateral join over the owner
 * index), not fifty statements; their `totalCount`s, when asked for, in one more.
 */
export function accountOrdersLoader(em: EntityManager): DataLoader<AccountOrdersPage, OrderListPage, string> {
  const counts = orderCountsLoader(em);
  return new DataLoader<AccountOrdersPage, OrderListPage, string>(
    async (pages) => {
      const answers = new Map<string, OrderListPage>();
      const shapes = new Map<string, AccountOrdersPage[]>();
      for (const page of pages) {
        const group = shapes.get(shapeOf(page));
        if (group) group.push(page);
        else shapes.set(shapeOf(page), [page]);
      }
      for (const group of shapes.values()) {
        const { first, after } = group[0]!;
        const position = after ? decodeTimeIdCursor(ORDERS_CURSOR, after) : null;
        // Reference ids come from the account subgraph; anything else simply owns no orders.
        const owners = group.map((page) => page.accountId).filter(isUuid);
        const rows = await sharedRead(em, NEWEST_ORDERS_OF_OWNERS, owners, { first, after, position });
        for (const page of group) {
          // PostgreSQL writes a uuid in lower case; the id asked for may be written in capitals.
          const owner = page.accountId.toLowerCase();
          answers.set(keyOf(page), orderConnection(rows.filter((row) => row.owner_id === owner), first, position !== null, () => counts.load(page.accountId)));
        }
      }
      return pages.map((page) => answers.get(keyOf(page))!);
    },
    { cacheKeyFn: keyOf },
  );
}

interface OwnersPage {
  first: number;
  after: string | null;
  position: TimeIdPosition | null;
}

/**
 * One newest-first page of orders for each owner, in one statement (a lateral join over the
 * owner index); shared with other requests asking for pages of the same shape at the same moment.
 */
const NEWEST_ORDERS_OF_OWNERS: SharedRead<OrderRow, OwnersPage> = {
  run: (em, owners, { first, position }) =>
    em.execute<OrderRow[]>(
      `SELECT o.* FROM unnest(?::uuid[]) AS owner(id)
         CROSS JOIN LATERAL (
           SELECT * FROM orders WHERE owner_id = owner.id ${position ? 'AND (created_at, id) < (?, ?)' : ''}
           ORDER BY created_at DESC, id DESC LIMIT ?
         ) o`,
      [arrayParameter(owners), ...(position ? [position.time, position.id] : []), first + 1],
    ),
  keyOf: (row) => row.owner_id,
  variant: (page) => shapeOf(page),
};

const shapeOf = (page: Pick<AccountOrdersPage, 'first' | 'after'>) => `${page.first}\u0000${page.after ?? ''}`;
const keyOf = (page: AccountOrdersPage) => `${page.accountId}\u0000${shapeOf(page)}`;

/** How many orders each account has placed, for every account of a request in one statement. */
function orderCountsLoader(em: EntityManager): DataLoader<string, number> {
  return new DataLoader<string, number>(async (accountIds) => {
    const owners = accountIds.filter(isUuid);
    const rows = !owners.length
      ? []
      : await em.execute<{ owner_id: string; total: number }[]>('SELECT owner_id, count(*)::int AS total FROM orders WHERE owner_id = ANY(?::uuid[]) GROUP BY owner_id', [arrayParameter(owners)]);
    const totals = new Map(rows.map((row) => [row.owner_id, row.total]));
    return accountIds.map((id) => totals.get(id.toLowerCase()) ?? 0);
  });
}
