import { InvalidTransactionError } from './portfolio-errors';
import { PortfolioTransaction } from './transaction';

/**
 * Rejects entries no replay could make sense of. Checked here, once, so the
 * cost-basis books can assume positive quantities and non-negative prices.
 */
export function validateTransaction(transaction: PortfolioTransaction): void {
  const where = transaction.id ? ` (transaction ${transaction.id})` : '';
  const fail = (message: string, field: string): never => {
    throw new InvalidTransactionError(`${message}${where}`, field);
  };
  if (Number.isNaN(transaction.time.getTime())) fail('The time is not a valid date', 'time');
  for (const field of ['quantity', 'price', 'fee'] as const) {
    if (!transaction[field].isFinite()) fail(`The ${field} is not a finite number`, field);
  }
  if (!transaction.quantity.gt(0)) fail('The quantity must be greater than zero', 'quantity');
  if (transaction.price.isNeg()) fail('The price must not be negative', 'price');
  if (transaction.fee.isNeg()) fail('The fee must not be negative', 'fee');
  switch (transaction.kind) {
    case 'BUY':
    case 'SELL':
      if (!transaction.symbol) fail(`A ${transaction.kind} needs a symbol`, 'symbol');
      break;
    case 'DEPOSIT':
    case 'WITHDRAWAL':
      // A symbol here would suggest an asset transfer, which this model records as a BUY or SELL instead.
      if (transaction.symbol !== null) fail(`A ${transaction.kind} moves cash and takes no symbol`, 'symbol');
      if (!transaction.price.gt(0)) fail(`A ${transaction.kind} needs an amount (quantity × price) greater than zero`, 'price');
      break;
    case 'FEE':
      break;
    default:
      fail(`Unknown transaction kind ${String((transaction as { kind: unknown }).kind)}`, 'kind');
  }
}
