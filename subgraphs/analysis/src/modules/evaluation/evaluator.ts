import { ClosedCandle } from '../candle/closed-candle';
import { StrategyDefinition } from './strategy-definition';
import { EvaluationOutcome } from './strategy-engine';
import { SymbolState } from './trigger-policy';

/**
 * What evaluates the strategies: one engine in this thread, or a pool of
 * worker threads each holding a share of them. Both give the same outcomes.
 */
export interface Evaluator {
  readonly size: number;
  /** `errorStored`: the store holds a run-time error of the strategy (see StrategyEngine.watch). */
  watch(definition: StrategyDefinition, states?: Map<string, SymbolState>, errorStored?: boolean): Promise<void>;
  unwatch(strategyId: string): void;
  unwatchAll(): void;
  unwatchOwner(ownerId: string): void;
  evaluatesAlike(definition: StrategyDefinition): boolean;
  redefine(definition: StrategyDefinition): void;
  onTick(symbol: string, time: Date, price: number, change24h: number): EvaluationOutcome | Promise<EvaluationOutcome>;
  onCandleClosed(candle: ClosedCandle): EvaluationOutcome | Promise<EvaluationOutcome>;
  onSymbolUntracked(symbol: string): EvaluationOutcome | Promise<EvaluationOutcome>;
  stop?(): Promise<void>;
}
