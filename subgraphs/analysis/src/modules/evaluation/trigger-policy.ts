import { TriggerMode } from '../strategy/trigger-mode';

/** What a strategy remembers per symbol between evaluations. */
export interface SymbolState {
  /** Whether the condition held at the last evaluation (ON_CROSS fires on the turn to true). */
  holds: boolean;
  /** When it last fired (ms), for the cooldown. */
  lastFiredAt: number | null;
}

export const INITIAL_STATE: SymbolState = { holds: false, lastFiredAt: null };

/**
 * Whether an evaluation fires, and the state after it. Live evaluation and
 * backtests both decide here, so the same values give the same alerts.
 * ON_CROSS and ONCE fire when the condition turns true; ON_CLOSE (evaluated
 * at candle closes only) whenever it holds. No strategy fires twice for a
 * symbol within its cooldown.
 */
export function decide(trigger: TriggerMode, state: SymbolState, holds: boolean, at: number, cooldownSeconds: number): { fire: boolean; state: SymbolState } {
  const cooledDown = state.lastFiredAt === null || at - state.lastFiredAt >= cooldownSeconds * 1000;
  const turned = trigger === TriggerMode.ON_CLOSE ? holds : holds && !state.holds;
  const fire = turned && cooledDown;
  return { fire, state: { holds, lastFiredAt: fire ? at : state.lastFiredAt } };
}
