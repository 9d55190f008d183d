import { BadUserInputError, CandleInterval, echoedInput, isCandleInterval, isTickerSymbol, requireText, tickerSymbolOf } from '@herck/common';
import { compileCondition } from '../condition/condition-compiler';
import { IndicatorSpec } from '../indicator/indicator-spec';
import { checkedWebhookUrl, WebhookPolicy } from '../delivery/webhook-target';
import { TriggerMode } from './trigger-mode';

export const MAX_SYMBOLS = 20;
export const MAX_COOLDOWN_SECONDS = 7 * 86_400;

export function strategyName(value: string): string {
  return requireText(value, 'name', 1, 100);
}

/** Upper-cased, unique, 1–20 of them, each one market tracks. */
export function strategySymbols(values: string[], known: Set<string>): string[] {
  // A text that is no symbol stays as typed (and is refused below), never upper-cased into another one.
  const symbols = [...new Set(values.map((value) => tickerSymbolOf(value) ?? value.trim()))];
  // Counted as given too: a list of 10,000 names (of one symbol) is no list of 1–20.
  if (!symbols.length || values.length > MAX_SYMBOLS) throw new BadUserInputError(`Watch 1 to ${MAX_SYMBOLS} symbols`, 'symbols');
  for (const symbol of symbols) {
    if (!isTickerSymbol(symbol) || !known.has(symbol)) throw new BadUserInputError(`"${echoedInput(symbol)}" is not a tracked symbol`, 'symbols');
  }
  return symbols;
}

export function strategyInterval(value: string): CandleInterval {
  if (!isCandleInterval(value)) throw new BadUserInputError(`"${value}" is not a candle interval`, 'interval');
  return value;
}

export function strategyTrigger(value: string): TriggerMode {
  if (!(Object.values(TriggerMode) as string[]).includes(value)) throw new BadUserInputError(`"${value}" is not a trigger mode`, 'trigger');
  return value as TriggerMode;
}

export function cooldownSeconds(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_COOLDOWN_SECONDS) throw new BadUserInputError(`cooldownSeconds must be from 0 to ${MAX_COOLDOWN_SECONDS}`, 'cooldownSeconds');
  return value;
}

/** The condition must compile against these indicators; the error says where it is wrong. */
export function strategyCondition(condition: string, indicators: IndicatorSpec[]): string {
  const compiled = compileCondition(condition, indicators);
  if (!compiled.ok) {
    const [problem] = compiled.problems;
    throw new BadUserInputError(`Invalid condition at position ${problem!.position}: ${problem!.message}`, 'condition', { position: problem!.position });
  }
  return condition;
}

export function webhookUrl(value: string | null | undefined, policy: WebhookPolicy): string | null {
  return value === null || value === undefined || value.trim() === '' ? null : checkedWebhookUrl(value, policy);
}
