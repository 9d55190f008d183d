import DataLoader from 'dataloader';
import { SubgraphContext } from '@herck/common';
import { LiveAlerts } from './modules/alert/live-alerts';
import { ledgerLoader, priceLoader, PriceRequest } from './modules/portfolio/portfolio-loaders';
import { LedgerRow } from './modules/portfolio/ledger-row';
import { PriceTable } from './modules/portfolio/price-table';
import { ValuationMemo } from './modules/portfolio/valuation-memo';

export interface AnalysisContext extends SubgraphContext {
  /** The ledgers of the portfolios a request values, read together. */
  ledgers: DataLoader<string, LedgerRow[]>;
  /** The prices of the valuations of a request, one lookup per currency and period. */
  prices: DataLoader<PriceRequest, PriceTable>;
  /** The valuations of a request, each calculated once (holdings and balance share one). */
  valuations: ValuationMemo;
  /** Committed alerts, for subscriptions. */
  liveAlerts: LiveAlerts;
}

export function createAnalysisContext(base: SubgraphContext, liveAlerts: LiveAlerts): AnalysisContext {
  return { ...base, ledgers: ledgerLoader(base.em), prices: priceLoader(base.em), valuations: new ValuationMemo(), liveAlerts };
}
