import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import Decimal from 'decimal.js';
import { BadUserInputError, ConflictError, decodeTimeIdCursor, exact, isUuid, lockUndeletedOwner, requireTimeRange, NotFoundError, ORDERS_FILLED, OrdersFilledEvent, OutboxMessage, PriceUnavailableError } from '@herck/common';
import { PriceCache } from '../price/price-cache';
import { orderConnection, OrderListPage, ORDERS_CURSOR } from './order-connection';
import { freshEnough, idempotencyKey, orderAmount, orderAsset, orderCurrency, quantityFor } from './order-rules';
import { Order, OrderFilter, OrderRow, OrderStatus, PlaceBuyOrderInput, toOrder } from './order.type';

export interface OrderLimits {
  priceMaxAgeSeconds: number;
  fxMaxAgeSeconds: number;
  maxAmount: Decimal;
}

export interface OrderPage {
  first: number;
  after: string | null;
  offset: number | null;
  filter: OrderFilter | null;
}

/**
 * Buy orders priced from the cache of market data: the asset's latest USD
 * price times the currency's rate; a stale or missing one refuses the order.
 * The order and its `orders.filled` event commit together.
 */
export class OrderService {
  constructor(
    private readonly cache: PriceCache,
    private readonly limits: OrderLimits,
    private readonly publishEvents: () => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async placeBuyOrder(em: EntityManager, ownerId: string, input: PlaceBuyOrderInput): Promise<Order> {
    const asset = orderAsset(input.asset);
    const currency = orderCurrency(input.currency);
    const amount = orderAmount(input.amount, this.limits.maxAmount);
    const key = idempotencyKey(input.idempotencyKey);
    // A retry is answered with the order it retries, before any price is looked at.
    const existing = await this.byKey(em, ownerId, key);
    if (existing) return this.sameOrder(existing, asset, currency, amount.toFixed());

    const now = this.now();
    // A currency no rate was ever given for is the client's mistake, whatever the state of the asset's price.
    if (!this.cache.rate(currency, now)) throw new BadUserInputError(`There is no exchange rate for ${currency}`, 'currency');
    // An asset market stopped following has no price to trade on, as one it never followed (the retry of
    // an order placed before it was answered above); tracked again, it has one from its next round.
    const usd = this.cache.tradablePrice(asset);
    if (!usd) throw new PriceUnavailableError(`There is no price for ${asset}`);
    if (!freshEnough(usd.time, now, this.limits.priceMaxAgeSeconds)) throw new PriceUnavailableError(`The latest price of ${asset} is too old to trade on`);
    const rate = this.cache.rate(currency, usd.time);
    if (!rate) throw new BadUserInputError(`There is no exchange rate for ${currency}`, 'currency');
    if (!freshEnough(rate.time, now, this.limits.fxMaxAgeSeconds)) throw new PriceUnavailableError(`The latest ${currency} rate is too old to trade on`);
    // Exact: a price of many digits times a rate of many more is not rounded to 20.
    const price = exact(usd.value).times(rate.value);
    const quantity = quantityFor(amount, price);
    if (quantity.lte(0)) throw new BadUserInputError('amount is too small to buy any of the asset', 'amount');
    const pricedAt = usd.time < rate.time ? usd.time : rate.time;

    const id = randomUUID();
    const placed = await em.transactional(async (tx) => {
      await lockUndeletedOwner(tx, ownerId);
      const rows = await tx.execute<OrderRow[]>(
        `INSERT INTO orders (id, owner_id, idempotency_key, asset, currency, amount, price, fx_rate, quantity, status, priced_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (owner_id, idempotency_key) DO NOTHING RETURNING *`,
        [id, ownerId, key, asset, currency, amount.toFixed(), price.toFixed(), rate.value.toFixed(), quantity.toFixed(), OrderStatus.FILLED, pricedAt, now],
      );
      // A concurrent request with the same key won: its order is the answer.
      if (!rows.length) return { created: false, row: await this.winnerOf(tx, ownerId, key) };
      const event: OrdersFilledEvent = {
        orderId: id,
        ownerId,
        asset,
        currency,
        amount: amount.toFixed(),
        price: price.toFixed(),
        fxRate: rate.value.toFixed(),
        quantity: quantity.toFixed(),
        filledAt: now.toISOString(),
      };
      tx.persist(new OutboxMessage(ORDERS_FILLED, event as unknown as Record<string, unknown>));
      await tx.flush();
      return { created: true, row: rows[0]! };
    });
    if (!placed.created) return this.sameOrder(placed.row, asset, currency, amount.toFixed());
    this.publishEvents();
    return toOrder(placed.row);
  }

  /**
   * The order a concurrent request with the same key placed first, read in the transaction that
   * lost to it: while it holds the owner's lock, the owner's deletion (which takes that lock too and
   * deletes their orders) cannot come between. Read after the commit, the order could be gone: the
   * retry was answered INTERNAL_SERVER_ERROR instead of the order (or the deleted account's refusal).
   */
  private async winnerOf(tx: EntityManager, ownerId: string, key: string): Promise<OrderRow> {
    const row = await this.byKey(tx, ownerId, key);
    if (!row) throw new Error('an order that conflicted on its idempotency key is not there under the owner lock');
    return row;
  }

  async own(em: EntityManager, ownerId: string | null, id: string): Promise<Order> {
    const rows = isUuid(id) ? await em.execute<OrderRow[]>(`SELECT * FROM orders WHERE id = ? ${ownerId ? 'AND owner_id = ?' : ''}`, ownerId ? [id, ownerId] : [id]) : [];
    if (!rows.length) throw new NotFoundError('Order');
    return toOrder(rows[0]!);
  }

  /** Newest first; `offset` pages by position (the seed's start/page size), `after` by cursor. */
  async page(em: EntityManager, ownerId: string | null, page: OrderPage): Promise<OrderListPage> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    if (ownerId) (conditions.push('owner_id = ?'), params.push(ownerId));
    const { filter } = page;
    if (filter?.from && filter.to) requireTimeRange(filter.from, filter.to);
    // Checked when given at all: an empty text is as malformed as a blank one, not "no filter".
    if (filter?.asset != null) (conditions.push('asset = ?'), params.push(orderAsset(filter.asset)));
    if (filter?.currency != null) (conditions.push('currency = ?'), params.push(orderCurrency(filter.currency)));
    if (filter?.from) (conditions.push('created_at >= ?'), params.push(filter.from));
    if (filter?.to) (conditions.push('created_at < ?'), params.push(filter.to));
    const paged = [...conditions];
    const pagedParams = [...params];
    if (page.after) {
      const position = decodeTimeIdCursor(ORDERS_CURSOR, page.after);
      paged.push('(created_at, id) < (?, ?)');
      pagedParams.push(position.time, position.id);
    }
    const rows = await em.execute<OrderRow[]>(
      `SELECT * FROM orders WHERE ${paged.length ? paged.join(' AND ') : 'true'} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
      [...pagedParams, page.first + 1, page.offset ?? 0],
    );
    // The whole list: the filter's conditions, not the page's position.
    const countAll = async () =>
      (await em.execute<{ total: number }[]>(`SELECT count(*)::int AS total FROM orders WHERE ${conditions.length ? conditions.join(' AND ') : 'true'}`, params))[0]!.total;
    return orderConnection(rows, page.first, Boolean(page.after) || (page.offset ?? 0) > 0, countAll);
  }

  private async byKey(em: EntityManager, ownerId: string, key: string): Promise<OrderRow | undefined> {
    const rows = await em.execute<OrderRow[]>('SELECT * FROM orders WHERE owner_id = ? AND idempotency_key = ?', [ownerId, key]);
    return rows[0];
  }

  /** The key names one order: reusing it for a different one is a mistake, not a retry. */
  private sameOrder(row: OrderRow, asset: string, currency: string, amount: string): Order {
    const order = toOrder(row);
    if (row.asset !== asset || row.currency !== currency || !order.amount.eq(amount)) {
      throw new ConflictError('That idempotencyKey was used for a different order');
    }
    return order;
  }
}
