import Decimal from 'decimal.js';

/**
 * A portfolio input the calculation cannot accept. Plain `Error`s so this core
 * stays free of GraphQL; the service maps every subclass to BAD_USER_INPUT,
 * with `field` naming the offending input.
 */
export class PortfolioInputError extends Error {
  constructor(message: string, readonly field?: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A transaction that is malformed on its own (negative quantity, a BUY without a symbol…). */
export class InvalidTransactionError extends PortfolioInputError {}

/**
 * A SELL of more units than the portfolio holds at that moment: short positions are not modelled.
 * Amounts are written as the Decimal scalar writes them (toFixed): toString turns 0.0000001 into "1e-7".
 */
export class OversellError extends PortfolioInputError {
  constructor(readonly symbol: string, readonly held: Decimal, readonly requested: Decimal, readonly time: Date) {
    super(`Cannot sell ${requested.toFixed()} ${symbol} at ${time.toISOString()}: only ${held.toFixed()} held then`, 'quantity');
  }
}

/**
 * A WITHDRAWAL (plus its fee) larger than the cash held at that moment. Unlike a
 * BUY, which may be funded from outside (see `Ledger`), taking out money the
 * portfolio does not have has no meaning.
 */
export class InsufficientCashError extends PortfolioInputError {
  constructor(readonly available: Decimal, readonly requested: Decimal, readonly time: Date) {
    super(`Cannot withdraw ${requested.toFixed()} at ${time.toISOString()}: only ${available.toFixed()} cash held then`, 'quantity');
  }
}
