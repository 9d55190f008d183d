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
  /** Its starts afresh so far (Strategy.generation): a switch-off and on again changes its signal too. */
  generation: number;
}

/**
 * What decides when the condition holds: a strategy whose signal changed starts afresh (what
 * held before says nothing now). Written in one key order, whatever order the store gave, and with
 * the symbols and the indicators (named uniquely) in one order, whatever order a client sent them in:
 * an edit form that lists them otherwise changes nothing. The generation tells a strategy switched off
 * and on again (the same definition, started afresh) from itself before.
 */
export function signalOf({ symbols, interval, indicators, condition, trigger, generation }: Omit<StrategyDefinition, 'id' | 'ownerId' | 'name' | 'cooldownSeconds'>): string {
  const specs = indicators
    .map(({ name, kind, period, fastPeriod, signalPeriod, deviation }) => [name, kind, period, fastPeriod ?? null, signalPeriod ?? null, deviation ?? null] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([[...symbols].sort(), interval, specs, condition, trigger, generation]);
}
