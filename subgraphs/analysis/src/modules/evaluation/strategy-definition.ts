import { CandleInterval } from '@herck/common';
import { IndicatorSpec } from '../indicator/indicator-spec';
import { TriggerMode } from '../strategy/trigger-mode';

/** What evaluation needs of a strategy (live and in backtests). */
export interface StrategyDefinition {
  id: string;
  ownerId: string;
  name: string;
  symbols: string[];
  interval: CandleInterval;
  indicators: IndicatorSpec[];
  condition: string;
  trigger: TriggerMode;
  cooldownSeconds: number;
}
