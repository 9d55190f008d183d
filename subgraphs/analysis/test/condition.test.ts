import { cachedConditionCount, compileCondition } from '../src/modules/condition/condition-compiler';
import { IndicatorKind } from '../src/modules/indicator/indicator-kind';
import { BandsValue, MacdValue } from '../src/modules/indicator/indicator-values';

const indicators = [
  { name: 'rsi14', kind: IndicatorKind.RSI, period: 14 },
  { name: 'sma50', kind: IndicatorKind.SMA, period: 50 },
  { name: 'macd', kind: IndicatorKind.MACD, period: 26, fastPeriod: 12, signalPeriod: 9 },
  { name: 'bb', kind: IndicatorKind.BBANDS, period: 20, deviation: 2 },
];

function problem(source: string) {
  const result = compileCondition(source, indicators);
  if (result.ok) throw new Error(`${source} compiled`);
  return result.problems[0]!;
}

describe('conditions (CEL)', () => {
  it('compiles the documented examples and evaluates them over plain values', () => {
    const first = compileCondition('rsi14 < 30 && price > sma50', indicators);
    const second = compileCondition('macd.histogram > 0.0 && price < bb.lower', indicators);
    if (!first.ok || !second.ok) throw new Error('did not compile');
    const values = { price: 90, volume: 0, change24h: 1.5, rsi14: 25, sma50: 80, macd: new MacdValue(1, 0.5, 0.5), bb: new BandsValue(110, 100, 95) };
    expect(first.condition.evaluate(values)).toBe(true);
    expect(second.condition.evaluate(values)).toBe(true);
    expect(first.condition.evaluate({ ...values, rsi14: 35 })).toBe(false);
  });

  it('names unknown variables and fields with their position', () => {
    expect(problem('price > 1.0 && rsi7 < 30.0')).toEqual({ message: 'Unknown variable: rsi7', position: 15 });
    expect(problem('macd.line > 0.0 && bb.lowr < 1.0')).toMatchObject({ position: 22 });
  });

  it('names an operand of && or || that is no bool by its own position, not the expression\'s', () => {
    expect(problem('price > 1.0 && price')).toMatchObject({ position: 15 });
    expect(problem('price || price > 2.0')).toMatchObject({ position: 0 });
    expect(problem('price > 1.0 && (rsi14 + 1.0)')).toMatchObject({ position: 16 });
    expect(problem('"😀" == "a" || sma50')).toMatchObject({ position: 14 });
  });

  it('refuses wrong types, non-bool results, syntax errors and macros', () => {
    expect(problem('price > "a"').message).toMatch(/overload/);
    expect(problem('rsi14 && true').message).toMatch(/bool/);
    expect(problem('price + 1.0').message).toBe('The condition must be true or false, not a double');
    expect(problem('price >')).toMatchObject({ position: 7 });
    expect(problem('[1, 2].exists(x, x > 1)').message).toMatch(/exists\(\) is not allowed/);
  });

  it('names a character it cannot read whole, never half of it (an emoji is two UTF-16 units)', () => {
    const { message } = problem('😀');
    expect(message).not.toMatch(/\p{Surrogate}/u);
    expect(message).toMatch(/\uFFFD|😀/u);
  });

  it('gives positions in characters, as documented, also after an emoji (two UTF-16 units, one character)', () => {
    // The parser counts UTF-16 units: `bogus` was said to start at 15, where a client finds `&` and a space.
    expect(problem('"😀" == "a" && bogus > 1.0')).toEqual({ message: 'Unknown variable: bogus', position: 14 });
    expect(problem('"😀😀" == "a" && price > "x"')).toMatchObject({ position: 15 });
    expect(problem('"😀😀" == "a" &&')).toMatchObject({ position: 14 });
  });

  it('limits length and size', () => {
    expect(problem(`price > 1.0${' || price > 1.0'.repeat(100)}`).message).toMatch(/longer than 1000/);
    expect(problem(Array.from({ length: 60 }, () => 'price > 1.0').join(' || ')).message).toMatch(/maxAstNodes|Exceeded/);
  });

  it('refuses an indicator name the CEL library will not declare, rather than throwing', () => {
    for (const name of ['__proto__', 'prototype']) {
      const result = compileCondition('price > 1.0', [{ name, kind: IndicatorKind.SMA, period: 3 }]);
      expect(result).toEqual({ ok: false, problems: [{ message: `"${name}" is a name of the condition language`, position: 0 }] });
    }
  });

  it('never runs the text as JavaScript', () => {
    expect(compileCondition('process.exit(1)', indicators).ok).toBe(false);
    expect(compileCondition('constructor.constructor("return 1")()', indicators).ok).toBe(false);
  });
});

describe('compiled conditions kept for reuse', () => {
  // A program takes tens of kilobytes: 20,000 of them, which any signed-in caller could have compiled
  // through validateCondition, held about 800 MB in the analysis process.
  it('keeps at most a thousand, however many distinct conditions callers send', () => {
    for (let i = 0; i < 1_200; i++) expect(compileCondition(`price > ${i}.5`, indicators).ok).toBe(true);
    expect(cachedConditionCount()).toBeLessThanOrEqual(1_000);
  });

  it('keeps no refusal, whose text may be as long as a request', () => {
    const before = cachedConditionCount();
    for (let i = 0; i < 20; i++) expect(compileCondition(`price > ${i}.0 && ${'x'.repeat(50_000)}`, indicators).ok).toBe(false);
    expect(compileCondition('rsi7 < 30.0', indicators).ok).toBe(false);
    expect(cachedConditionCount()).toBe(before);
  });

  it('keeps the conditions in use while others come and go', () => {
    const inUse = compileCondition('rsi14 < 30.0 && price > sma50', indicators);
    for (let i = 0; i < 1_500; i++) {
      compileCondition(`price < ${i}.25`, indicators);
      if (i % 100 === 0) compileCondition('rsi14 < 30.0 && price > sma50', indicators);
    }
    const again = compileCondition('rsi14 < 30.0 && price > sma50', indicators);
    if (!inUse.ok || !again.ok) throw new Error('did not compile');
    expect(again.condition).toBe(inUse.condition);
  });
});
