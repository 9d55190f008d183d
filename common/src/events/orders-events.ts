/** Published by the orders subgraph; consumed by analysis (portfolios). Decimals travel as strings. */

/**
 * A buy order was filled: `quantity` of `asset` for `amount` of `currency`
 * at `price` (in `currency`, `fxRate` units of it per USD). Analysis turns it
 * into a BUY in the owner's default portfolio, keyed by `orderId`.
 */
export const ORDERS_FILLED = 'orders.filled';
export interface OrdersFilledEvent {
  orderId: string;
  ownerId: string;
  asset: string;
  currency: string;
  amount: string;
  price: string;
  fxRate: string;
  quantity: string;
  filledAt: string;
}
