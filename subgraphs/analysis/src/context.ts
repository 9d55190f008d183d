import DataLoader from 'dataloader';
import { SubgraphContext } from '@herck/common';
import { LiveAlerts } from './modules/alert/live-alerts';
import { ledgerLoader, priceLoader, PriceRequest } from './modules/portfolio/portfolio-loaders';
import { LedgerRow } from './modules/portfolio/ledger-row';
import { PriceTable } from './modules/portfolio/price-table';

export interface AnalysisContext extends SubgraphContext {
  /** The ledgers of the portfolios a request values, read together. */
  ledgers: DataLoader<string, LedgerRow[]>;
  /** The prices of the valuations of a request, one lookup per currency and period. */
  prices: DataLoader<PriceRequest, PriceTable>;
  /** Committed alerts, for subscriptions. */
  liveAlerts: LiveAlerts;
}

export function createAnalysisContext(base: SubgraphContext, liveAlerts: LiveAlerts): AnalysisContext {
  return { ...base, ledgers: ledgerLoader(base.em), prices: priceLoader(base.em), liveAlerts };
}
