import { CompiledCondition } from '../condition/condition-compiler';
import { indicatorKey } from '../indicator/indicator-spec';
import { IndicatorValue } from '../indicator/indicator-values';
import { CandleSeries } from './candle-series';
import { StrategyDefinition } from './strategy-definition';

export type Evaluation =
  /** `variables` as the condition saw them; `plainValues` turns them into JSON for an alert. */
  | { kind: 'result'; holds: boolean; variables: Record<string, number | IndicatorValue> }
  /** Some indicator has not seen enough candles: the strategy cannot fire yet. */
  | { kind: 'not-ready' }
  | { kind: 'error'; message: string };

export interface MarketFigures {
  price: number;
  /** Percent change over 24 h; NaN when unknown (every comparison with it is then false). */
  change24h: number;
}

/** A strategy compiled for evaluation: its condition, and the series keys of its indicators by name. */
export interface PreparedStrategy {
  definition: StrategyDefinition;
  condition: CompiledCondition;
  indicators: { name: string; key: string }[];
}

export function prepareStrategy(definition: StrategyDefinition, condition: CompiledCondition): PreparedStrategy {
  return { definition, condition, indicators: definition.indicators.map((spec) => ({ name: spec.name, key: indicatorKey(spec) })) };
}

/** Runs a strategy's compiled condition over the series' current indicator values. */
export function evaluateCondition(strategy: PreparedStrategy, series: CandleSeries, figures: MarketFigures): Evaluation {
  const variables: Record<string, number | IndicatorValue> = { price: figures.price, volume: series.lastClosedVolume, change24h: figures.change24h };
  for (const { name, key } of strategy.indicators) {
    const value = series.valueOf(key);
    if (value === null || (typeof value === 'number' && !Number.isFinite(value))) return { kind: 'not-ready' };
    variables[name] = value;
  }
  try {
    return { kind: 'result', holds: strategy.condition.evaluate(variables), variables };
  } catch (error) {
    return { kind: 'error', message: (error as { summary?: string }).summary ?? (error as Error).message.split('\n')[0]! };
  }
}

/** The values as JSON for the alert (indicator results become plain objects; NaN becomes null). */
export function plainValues(variables: Record<string, number | IndicatorValue>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(variables, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value))) as Record<string, unknown>;
}
