import DataLoader from 'dataloader';
import { batchById, SubgraphContext } from '@herck/common';
import { LiveAlerts } from './modules/alert/live-alerts';
import { PortfolioTransaction, PriceLookup } from './modules/portfolio/math';
import { ledgerLoader, priceLoader, PriceRequest } from './modules/portfolio/portfolio-loaders';
import { Strategy } from './modules/strategy/strategy.entity';

export interface AnalysisContext extends SubgraphContext {
  /** Batches the strategy lookups of one request (e.g. `alerts { strategy { name } }`). */
  strategiesById: DataLoader<string, Strategy | null>;
  /** The ledgers of the portfolios a request values, read together. */
  ledgers: DataLoader<string, PortfolioTransaction[]>;
  /** The prices of the valuations of a request, one lookup per currency and period. */
  prices: DataLoader<PriceRequest, PriceLookup>;
  /** Committed alerts, for subscriptions. */
  liveAlerts: LiveAlerts;
}

export function createAnalysisContext(base: SubgraphContext, liveAlerts: LiveAlerts): AnalysisContext {
  // A fork per batch: a subscription's context lives as long as it does, and must neither
  // serve a strategy as it was when the subscription began nor keep every one it loaded.
  const strategiesById = batchById(
    (ids) => base.em.fork().find(Strategy, { id: { $in: ids } }),
    (strategy) => strategy.id,
    { cache: false },
  );
  return { ...base, strategiesById, ledgers: ledgerLoader(base.em), prices: priceLoader(base.em), liveAlerts };
}
