import Decimal from 'decimal.js';
import type { PortfolioTransaction } from './math';
import type { TransactionRow } from './portfolio-rows';

/**
 * A ledger entry as the calculations take it, plain data that crosses to their thread as it is:
 * a stored row as read, or the entry being added, which has no id yet (an error about it names none).
 * This module runs on that thread, which loads no GraphQL or database code: it imports only types
 * from the service's modules.
 */
export type LedgerRow = Pick<TransactionRow, 'kind' | 'symbol' | 'quantity' | 'base_price' | 'base_fee' | 'base_amount' | 'time' | 'source_id'> & { id: string | null };

/** A stored transaction as the calculations read it: in the base currency. */
export function toLedgerEntry(row: LedgerRow): PortfolioTransaction {
  return {
    id: row.id ?? undefined,
    kind: row.kind,
    symbol: row.symbol,
    quantity: new Decimal(row.quantity),
    price: new Decimal(row.base_price),
    ...(row.base_amount !== null && { amount: new Decimal(row.base_amount) }),
    fee: new Decimal(row.base_fee),
    time: new Date(row.time),
    // Only filled orders have a source: they were paid through the orders service, not from this portfolio's cash.
    paidFromOutside: row.source_id !== null,
  };
}
