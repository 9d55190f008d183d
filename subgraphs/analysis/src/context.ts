import DataLoader from 'dataloader';
import { batchById, SubgraphContext } from '@herck/common';
import { LiveAlerts } from './modules/alert/live-alerts';
import { Strategy } from './modules/strategy/strategy.entity';

export interface AnalysisContext extends SubgraphContext {
  /** Batches the strategy lookups of one request (e.g. `alerts { strategy { name } }`). */
  strategiesById: DataLoader<string, Strategy | null>;
  /** Committed alerts, for subscriptions. */
  liveAlerts: LiveAlerts;
}

export function createAnalysisContext(base: SubgraphContext, liveAlerts: LiveAlerts): AnalysisContext {
  const strategiesById = batchById(
    (ids) => base.em.find(Strategy, { id: { $in: ids } }),
    (strategy) => strategy.id,
  );
  return { ...base, strategiesById, liveAlerts };
}
