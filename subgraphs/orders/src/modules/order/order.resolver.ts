import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { assertOwnerOrAdmin, Authenticated, BadUserInputError, pageSize, RequiresRole, UnauthenticatedError } from '@herck/common';
import { OrdersContext } from '../../context';
import { AccountReference } from '../account/account.type';
import { Order, OrderConnection, OrderFilter, PlaceBuyOrderInput } from './order.type';
import { OrderPage, OrderService } from './order.service';
import { OrderListPage } from './order-connection';

function callerId({ identity }: OrdersContext): string {
  if (!identity.accountId) throw new UnauthenticatedError();
  return identity.accountId;
}

function pageOf(firstArg: number | null, afterArg: string | null | undefined, offsetArg: number | null | undefined, filter: OrderFilter | null | undefined): OrderPage {
  // Omitted arguments arrive as undefined. An empty `after` is the first page (as on every list), so
  // it is no cursor: with an offset it was refused as "both" though it names no position.
  const after = afterArg || null;
  const offset = offsetArg ?? null;
  const first = pageSize(firstArg);
  if (offset !== null && (!Number.isInteger(offset) || offset < 0)) throw new BadUserInputError('offset must be 0 or more', 'offset');
  if (offset !== null && after !== null) throw new BadUserInputError('Page by offset or by after, not both', 'offset');
  return { first, after, offset, filter: filter ?? null };
}

@Resolver()
export class OrderResolver {
  constructor(private readonly service: OrderService) {}

  @Authenticated()
  @Mutation(() => Order, { description: 'Buys an amount of fiat worth of an asset at the cached price (PRICE_UNAVAILABLE when it is missing or stale); the same idempotencyKey returns the same order' })
  placeBuyOrder(@Arg('input', () => PlaceBuyOrderInput, { description: 'The order' }) input: PlaceBuyOrderInput, @Ctx() context: OrdersContext): Promise<Order> {
    return this.service.placeBuyOrder(context.em, callerId(context), input);
  }

  @Authenticated()
  @Query(() => OrderConnection, { description: 'Your orders, newest first' })
  orders(
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 1 to 100' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last order already seen' }) after: string | null,
    @Arg('offset', () => Int, { nullable: true, description: 'Orders to skip instead of a cursor (start / page size style)' }) offset: number | null,
    @Arg('filter', () => OrderFilter, { nullable: true, description: 'Narrows the list' }) filter: OrderFilter | null,
    @Ctx() context: OrdersContext,
  ): Promise<OrderListPage> {
    return this.service.page(context.em, callerId(context), pageOf(first, after, offset, filter));
  }

  @Authenticated()
  @Query(() => Order, { description: 'One of your orders (NOT_FOUND for any other id)' })
  order(@Arg('id', () => ID, { description: 'Order id' }) id: string, @Ctx() context: OrdersContext): Promise<Order> {
    return this.service.own(context.em, callerId(context), id);
  }

  @RequiresRole('ADMIN')
  @Query(() => OrderConnection, { description: 'Everyone’s orders, newest first (admins)' })
  allOrders(
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 1 to 100' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last order already seen' }) after: string | null,
    @Arg('offset', () => Int, { nullable: true, description: 'Orders to skip instead of a cursor' }) offset: number | null,
    @Arg('filter', () => OrderFilter, { nullable: true, description: 'Narrows the list' }) filter: OrderFilter | null,
    @Ctx() context: OrdersContext,
  ): Promise<OrderListPage> {
    return this.service.page(context.em, null, pageOf(first, after, offset, filter));
  }
}

/** `Account.orders`: an account's orders, for its owner and admins. */
@Resolver(() => AccountReference)
export class AccountOrdersResolver {
  @Authenticated()
  @FieldResolver(() => OrderConnection, { description: 'Orders placed by this account, newest first (its owner and admins)' })
  orders(
    @Root() account: AccountReference,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 1 to 100' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last order already seen' }) after: string | null,
    @Ctx() context: OrdersContext,
  ): Promise<OrderListPage> {
    assertOwnerOrAdmin(context.identity, account.id, 'You can only see your own orders');
    const page = pageOf(first, after, null, null);
    return context.accountOrders.load({ accountId: account.id, first: page.first, after: page.after });
  }
}

/** `OrderConnection.totalCount`: counted only when asked for, with the list's filter. */
@Resolver(() => OrderConnection)
export class OrderConnectionResolver {
  @FieldResolver(() => Int, { description: 'How many orders the whole list holds, its filter applied, whatever the page (not a count of pages: offset paging has ceil(totalCount / first) pages)' })
  totalCount(@Root() page: OrderListPage): Promise<number> {
    return page.countAll();
  }
}
