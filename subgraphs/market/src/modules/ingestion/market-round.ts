import { FxRate } from '../fx/fx-rate.type';
import { GlobalMetrics } from '../global/global-metrics.type';
import { Tick } from '../tick/tick.type';

/** Everything one ingestion round collected, before it is written. */
export interface MarketRound {
  time: Date;
  ticks: Tick[];
  global: GlobalMetrics | null;
  /** The provider the global figures came from. */
  globalSource: string | null;
  /** Base USD. */
  fx: FxRate[];
}
