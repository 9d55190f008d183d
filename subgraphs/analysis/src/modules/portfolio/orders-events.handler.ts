import { randomUUID } from 'node:crypto';
import Decimal from 'decimal.js';
import { EntityManager } from '@mikro-orm/postgresql';
import { BusEvent, BusEventHandler, exact, ORDERS_FILLED, OrdersFilledEvent, quotient } from '@herck/common';

/**
 * A filled buy order becomes a BUY in its owner's default portfolio (made on
 * the first one, valued in USD): change-data-capture with the order's id as
 * the transaction's source id. Each fill is applied once, recorded apart from
 * the transaction: a redelivered event adds nothing, also after the portfolio
 * holding it was deleted.
 */
export const ordersEventHandlers: Record<string, BusEventHandler> = {
  async [ORDERS_FILLED](event: BusEvent, em: EntityManager) {
    const order = event.payload as unknown as OrdersFilledEvent;
    // Events are applied one after the other: a fill relayed after its owner's deletion finds the owner gone.
    if ((await em.execute('SELECT 1 FROM deleted_owners WHERE id = ?', [order.ownerId])).length) return;
    const applied = await em.execute('INSERT INTO applied_fills (order_id, owner_id) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING order_id', [order.orderId, order.ownerId]);
    if (!applied.length) return;
    // Made, or found and locked (as addTransaction locks it: the two never interleave on one portfolio), in one
    // statement. Found first and locked after, a portfolio deleted in between was not there to lock: the fill failed
    // its whole batch, which was rolled back and replayed. An upsert is atomic: one deleted meanwhile is made anew.
    const [portfolio] = await em.execute<{ id: string }[]>(
      `INSERT INTO portfolios (id, owner_id, name, base_currency, cost_basis_method, is_default, created_at)
       VALUES (?, ?, 'Orders', 'USD', 'FIFO', true, now()) ON CONFLICT (owner_id) WHERE is_default DO UPDATE SET is_default = true RETURNING id`,
      [randomUUID(), order.ownerId],
    );
    // The portfolio counts in USD at the order's own rate. The quantity was rounded down, so what
    // the amount bought beyond quantity × price is recorded as a fee: the cost basis is the amount paid.
    const rate = new Decimal(order.fxRate);
    const usdPrice = quotient(order.price, rate);
    // Exact in the order's currency (no division: quantity × price is not rounded); only its USD value goes through the rate.
    const fee = exact(order.amount).minus(exact(order.quantity).times(order.price));
    const usdFee = quotient(fee, rate);
    await em.execute(
      `INSERT INTO portfolio_transactions (id, portfolio_id, kind, symbol, quantity, price, currency, fee, base_price, base_fee, base_amount, time, note, source_id, created_at)
       VALUES (?, ?, 'BUY', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now()) ON CONFLICT (source_id) DO NOTHING`,
      [
        randomUUID(),
        portfolio!.id,
        order.asset,
        order.quantity,
        order.price,
        order.currency,
        fee.toFixed(),
        usdPrice.toFixed(),
        usdFee.toFixed(),
        // quantity × price in USD as the amount paid, converted once, less the fee: the cost basis is exactly the amount paid.
        quotient(order.amount, rate).minus(usdFee).toFixed(),
        new Date(order.filledAt),
        `Buy order for ${order.amount} ${order.currency}`,
        order.orderId,
      ],
    );
  },
};
