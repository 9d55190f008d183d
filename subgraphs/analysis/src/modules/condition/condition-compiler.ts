import { Environment } from '@marcbachmann/cel-js';
import { characterLength } from '@herck/common/input-rules';
import { IndicatorKind } from '../indicator/indicator-kind';
import { BUILT_IN_NAMES, IndicatorSpec } from '../indicator/indicator-spec';
import { BandsValue, MacdValue, StochValue } from '../indicator/indicator-values';

export const MAX_CONDITION_LENGTH = 1000;

/** What is wrong with a condition, and where (0-based character offset into it). */
export interface ConditionProblem {
  message: string;
  position: number;
}

/** A checked condition, compiled once; evaluating it runs CEL over plain values, never JavaScript from the user. */
export interface CompiledCondition {
  evaluate(variables: Record<string, unknown>): boolean;
}

export type CompileResult = { ok: true; condition: CompiledCondition } | { ok: false; problems: ConditionProblem[] };

/**
 * Macros (`exists`, `map`, …) iterate, and nested ones cost time that grows
 * with the power of their nesting: a condition over scalars never needs them.
 */
const FORBIDDEN_CALLS = new Set(['all', 'exists', 'exists_one', 'map', 'filter', 'bind', 'matches']);

/** Types and limits shared by every condition; each compile adds its own variables to a clone. */
const BASE = new Environment({ limits: { maxAstNodes: 200, maxDepth: 32, maxListElements: 32, maxMapEntries: 32, maxCallArguments: 8 } })
  .registerType('Macd', { ctor: MacdValue, fields: { line: 'double', signal: 'double', histogram: 'double' } })
  .registerType('Bands', { ctor: BandsValue, fields: { upper: 'double', middle: 'double', lower: 'double' } })
  .registerType('Stoch', { ctor: StochValue, fields: { k: 'double', d: 'double' } });

/** CEL's type names, which a condition may compare types with (`type(price) == double`). */
const TYPE_NAMES = ['string', 'bool', 'int', 'uint', 'double', 'map', 'list', 'bytes', 'null_type', 'type'];

const TYPE_OF_KIND: Record<IndicatorKind, string> = {
  [IndicatorKind.SMA]: 'double',
  [IndicatorKind.EMA]: 'double',
  [IndicatorKind.WMA]: 'double',
  [IndicatorKind.RSI]: 'double',
  [IndicatorKind.ATR]: 'double',
  [IndicatorKind.ROC]: 'double',
  [IndicatorKind.OBV]: 'double',
  [IndicatorKind.MACD]: 'Macd',
  [IndicatorKind.BBANDS]: 'Bands',
  [IndicatorKind.STOCH]: 'Stoch',
};

/**
 * Compiled conditions by source and variable types: strategies with the same
 * condition share one program, which also keeps V8's caches for it warm. A
 * program takes tens of kilobytes (about 40 KB for 600 characters of
 * comparisons), and any signed-in caller can have any number of distinct
 * conditions compiled (`validateCondition`), so only the most recently used
 * are kept: a running strategy holds its own program whether or not it is
 * still here. Refusals are not kept at all (their source may be as long as a
 * request).
 */
const compiled = new Map<string, CompiledCondition>();
const MAX_CACHED = 1_000;

/** Parses and type-checks a condition over price, volume, change24h and the indicators; it must be a bool. */
export function compileCondition(source: string, indicators: IndicatorSpec[]): CompileResult {
  const key = `${source}\u0000${indicators.map((spec) => `${spec.name}:${TYPE_OF_KIND[spec.kind]}`).join(',')}`;
  const cached = compiled.get(key);
  if (cached) {
    // Used again: it moves to the end of the line (a Map iterates in insertion order, the least recently used first).
    compiled.delete(key);
    compiled.set(key, cached);
    return { ok: true, condition: cached };
  }
  const result = compileUncached(source, indicators);
  if (!result.ok) return result;
  if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, result.condition);
  return result;
}

/** Compiled conditions kept for reuse (for tests). */
export function cachedConditionCount(): number {
  return compiled.size;
}

function compileUncached(source: string, indicators: IndicatorSpec[]): CompileResult {
  if (!source.trim()) return fail('The condition is empty', 0);
  if (characterLength(source) > MAX_CONDITION_LENGTH) return fail(`The condition is longer than ${MAX_CONDITION_LENGTH} characters`, MAX_CONDITION_LENGTH);
  const env = BASE.clone();
  for (const name of BUILT_IN_NAMES) env.registerVariable(name, 'double');
  for (const spec of indicators) {
    // Indicator names are checked against CEL's own (indicator-spec.ts); one it knows and that list missed is refused, not thrown.
    if (env.hasVariable(spec.name)) return fail(`"${spec.name}" is a name of the condition language`, 0);
    try {
      env.registerVariable(spec.name, TYPE_OF_KIND[spec.kind]);
    } catch {
      // cel-js refuses some names outright (`__proto__`): a refusal, not a server error.
      return fail(`"${spec.name}" is a name of the condition language`, 0);
    }
  }
  let program: ReturnType<Environment['parse']>;
  try {
    program = env.parse(source);
  } catch (error) {
    return fail(celMessage(error), characterOffset(source, celPosition(error)));
  }
  const refused = findRefused(program.ast, new Set([...BUILT_IN_NAMES, ...indicators.map((spec) => spec.name), ...TYPE_NAMES]));
  if (refused) return fail(refused.message, characterOffset(source, refused.position));
  const checked = program.check();
  if (!checked.valid) return fail(withHint(celMessage(checked.error)), characterOffset(source, logicalOperandPosition(env, source, checked.error) ?? celPosition(checked.error)));
  if (checked.type !== 'bool') return fail(`The condition must be true or false, not a ${checked.type}`, 0);
  return { ok: true, condition: { evaluate: (variables) => program(variables) === true } };
}

function fail(message: string, position: number): CompileResult {
  return { ok: false, problems: [{ message, position }] };
}

function celMessage(error: unknown): string {
  const summary = (error as { summary?: string })?.summary;
  const message = summary ?? (error instanceof Error ? error.message.split('\n')[0]! : 'Invalid condition');
  // The parser reads UTF-16 units: an emoji is named by half of it, which is no text a client can read.
  return message.replace(/\p{Surrogate}/gu, '\uFFFD');
}

/** Every variable is a double, and CEL does arithmetic and equality on one type: `price * 2` needs `2.0`. */
function withHint(message: string): string {
  return /^no such overload: (double \S+ int|int \S+ double)$/.test(message) ? `${message}: write whole numbers with a decimal point (2.0, not 2)` : message;
}

/**
 * cel-js counts UTF-16 units; positions are documented in characters (code points), as the length
 * limit counts them: after an emoji the parser's offset is one too far. One that falls inside a
 * character names that character.
 */
function characterOffset(source: string, units: number): number {
  const before = source.slice(0, units);
  return characterLength(before) - (/\p{Surrogate}$/u.test(before) ? 1 : 0);
}

function celPosition(error: unknown): number {
  return (error as { range?: { start: number } })?.range?.start ?? 0;
}

/**
 * cel-js names a logical operator with an operand that is no bool (`price > 1.0 && price`) by the
 * whole expression, whose start is the other operand's: the position given is that of the first
 * operand whose own type is not bool. Null for any other error, or when no operand checks alone.
 */
function logicalOperandPosition(env: Environment, source: string, error: unknown): number | null {
  const node = (error as { node?: Partial<AstNode> } | null)?.node;
  if ((node?.op !== '&&' && node?.op !== '||') || !Array.isArray(node.args)) return null;
  for (const operand of node.args as Partial<AstNode>[]) {
    const range = operand?.range;
    if (!range) continue;
    try {
      const checked = env.parse(source.slice(range.start, range.end)).check();
      if (checked.valid && checked.type !== 'bool') return range.start;
    } catch {
      // An operand that does not parse alone (cut inside parentheses): the next one, or the whole expression.
    }
  }
  return null;
}

interface AstNode {
  op: string;
  args: unknown;
  pos?: number;
  range?: { start: number; end: number };
}

/**
 * A macro call, or a name that is neither a variable nor a type: the checker knows CEL's
 * namespaces (`optional`, `google`), which evaluation does not, so such a condition would
 * pass when saved and fail at every tick.
 */
function findRefused(node: unknown, readable: Set<string>): { message: string; position: number } | null {
  if (!node || typeof node !== 'object' || !('op' in node)) return null;
  const { op, args, range, pos } = node as AstNode;
  const position = range?.start ?? pos ?? 0;
  if ((op === 'call' || op === 'rcall') && Array.isArray(args) && FORBIDDEN_CALLS.has(args[0] as string)) {
    return { message: `${args[0] as string}() is not allowed in conditions`, position };
  }
  if (op === 'id' && typeof args === 'string' && !readable.has(args)) return { message: `Unknown variable: ${args}`, position };
  const children = Array.isArray(args) ? args.flat(2) : [args];
  for (const child of children) {
    const found = findRefused(child, readable);
    if (found) return found;
  }
  return null;
}
