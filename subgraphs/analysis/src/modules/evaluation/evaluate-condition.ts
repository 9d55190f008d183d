import { CompiledCondition } from '../condition/condition-compiler';
import { IndicatorValue } from '../indicator/indicator-values';
import { CandleSeries } from './candle-series';
import { StrategyDefinition } from './strategy-definition';

export type Evaluation =
  | { kind: 'result'; holds: boolean; values: Record<string, unknown> }
  /** Some indicator has not seen enough candles: the strategy cannot fire yet. */
  | { kind: 'not-ready' }
  | { kind: 'error'; message: string };

export interface MarketFigures {
  price: number;
  /** Percent change over 24 h; NaN when unknown (every comparison with it is then false). */
  change24h: number;
}

/** Runs a strategy's compiled condition over the series' current indicator values. */
export function evaluateCondition(strategy: StrategyDefinition, condition: CompiledCondition, series: CandleSeries, figures: MarketFigures): Evaluation {
  const variables: Record<string, number | IndicatorValue> = { price: figures.price, volume: series.lastClosedVolume, change24h: figures.change24h };
  for (const spec of strategy.indicators) {
    const value = series.value(spec);
    if (value === null || (typeof value === 'number' && !Number.isFinite(value))) return { kind: 'not-ready' };
    variables[spec.name] = value;
  }
  try {
    return { kind: 'result', holds: condition.evaluate(variables), values: plainValues(variables) };
  } catch (error) {
    return { kind: 'error', message: (error as { summary?: string }).summary ?? (error as Error).message.split('\n')[0]! };
  }
}

/** The values as JSON for the alert (indicator results become plain objects; NaN becomes null). */
function plainValues(variables: Record<string, number | IndicatorValue>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(variables, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value))) as Record<string, unknown>;
}
