/** The pure calculation core of portfolios: no database, no GraphQL, decimals throughout. */
export { grossAmount } from './transaction';
export type { CostBasisMethod, PortfolioTransaction, TransactionKind } from './transaction';
export { InsufficientCashError, InvalidTransactionError, OversellError, PortfolioInputError } from './portfolio-errors';
export { Ledger } from './ledger';
export type { ExternalFlow, FlowListener, LedgerSnapshot, Position } from './ledger';
export { holdingsAt } from './holdings';
export { mergeMissingPrices, priceDay } from './price-lookup';
export type { MissingPrice, PriceDay, PriceLookup } from './price-lookup';
export { valuationAt, valueSnapshot } from './valuation';
export type { Valuation, ValuedHolding } from './valuation';
export { subPeriodReturn, timeWeightedReturn } from './time-weighted-return';
export type { SubPeriod } from './time-weighted-return';
export { xirr } from './xirr';
export type { DatedCashFlow } from './xirr';
export { performanceBetween } from './performance';
export type { Performance, PerformanceOptions } from './performance';
