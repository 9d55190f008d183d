import { BadUserInputError } from '@herck/common/errors';
import { IndicatorKind } from './indicator-kind';

/** One indicator of a strategy as it is stored: a name for conditions, a kind and its parameters. */
export interface IndicatorSpec {
  name: string;
  kind: IndicatorKind;
  period: number;
  fastPeriod?: number;
  signalPeriod?: number;
  deviation?: number;
}

export const MAX_PERIOD = 1000;
export const MAX_INDICATORS = 20;

/** Names the condition language gives itself; an indicator cannot take them. */
export const BUILT_IN_NAMES = ['price', 'volume', 'change24h'] as const;
// `__proto__` and `prototype` are cel-js's own: it refuses to declare a variable of either name.
const CEL_RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while', 'int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'type', 'dyn', 'has', 'size', 'null_type', 'optional', 'google', '__proto__', 'prototype']);
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;

/** Defaults of the kinds' own parameters. */
const DEFAULTS: Partial<Record<IndicatorKind, Partial<IndicatorSpec>>> = {
  [IndicatorKind.MACD]: { fastPeriod: 12, signalPeriod: 9 },
  [IndicatorKind.BBANDS]: { deviation: 2 },
  [IndicatorKind.STOCH]: { signalPeriod: 3 },
};

/** Which parameters beyond `period` a kind takes. */
const PARAMETERS: Partial<Record<IndicatorKind, (keyof IndicatorSpec)[]>> = {
  [IndicatorKind.MACD]: ['fastPeriod', 'signalPeriod'],
  [IndicatorKind.BBANDS]: ['deviation'],
  [IndicatorKind.STOCH]: ['signalPeriod'],
};

export interface IndicatorSpecInput {
  name: string;
  kind: string;
  period: number;
  fastPeriod?: number | null;
  signalPeriod?: number | null;
  deviation?: number | null;
}

/** Checks and completes the indicators of a strategy; every problem is BAD_USER_INPUT naming the field. */
export function normaliseIndicators(inputs: IndicatorSpecInput[], field = 'indicators'): IndicatorSpec[] {
  if (inputs.length > MAX_INDICATORS) throw new BadUserInputError(`A strategy has at most ${MAX_INDICATORS} indicators`, field);
  const seen = new Set<string>();
  return inputs.map((input, index) => {
    const at = `${field}[${index}]`;
    const name = input.name.trim();
    if (!NAME.test(name)) throw new BadUserInputError(`${at}.name must be 1–32 letters, digits or underscores, starting with a letter or underscore`, `${at}.name`);
    if ((BUILT_IN_NAMES as readonly string[]).includes(name) || CEL_RESERVED.has(name)) throw new BadUserInputError(`${at}.name "${name}" is reserved`, `${at}.name`);
    if (seen.has(name)) throw new BadUserInputError(`${at}.name "${name}" is used twice`, `${at}.name`);
    seen.add(name);
    if (!(Object.values(IndicatorKind) as string[]).includes(input.kind)) throw new BadUserInputError(`${at}.kind "${input.kind}" is not an indicator kind`, `${at}.kind`);
    const kind = input.kind as IndicatorKind;
    const spec: IndicatorSpec = { name, kind, period: requirePeriod(input.period, `${at}.period`), ...DEFAULTS[kind] };
    for (const parameter of ['fastPeriod', 'signalPeriod', 'deviation'] as const) {
      const value = input[parameter];
      if (value === undefined || value === null) continue;
      if (!PARAMETERS[kind]?.includes(parameter)) throw new BadUserInputError(`${at}.${parameter} does not apply to ${kind}`, `${at}.${parameter}`);
      spec[parameter] = parameter === 'deviation' ? requireDeviation(value, `${at}.deviation`) : requirePeriod(value, `${at}.${parameter}`);
    }
    if (kind === IndicatorKind.MACD && spec.fastPeriod! >= spec.period) throw new BadUserInputError(`${at}.fastPeriod must be shorter than period (the slow EMA)`, `${at}.fastPeriod`);
    return spec;
  });
}

function requirePeriod(value: number, field: string): number {
  if (!Number.isInteger(value) || value <= 0 || value > MAX_PERIOD) throw new BadUserInputError(`${field} must be a whole number from 1 to ${MAX_PERIOD}`, field);
  return value;
}

function requireDeviation(value: number, field: string): number {
  if (!Number.isFinite(value) || value <= 0 || value > 10) throw new BadUserInputError(`${field} must be above 0 and at most 10`, field);
  return value;
}

/** The same indicator over the same series gives the same values: strategies share its state by this key. */
export function indicatorKey(spec: IndicatorSpec): string {
  return [spec.kind, spec.period, spec.fastPeriod ?? '', spec.signalPeriod ?? '', spec.deviation ?? ''].join(':');
}
