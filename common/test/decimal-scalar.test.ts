import { parseDecimal } from '../src/schema/scalars';

describe('the Decimal scalar', () => {
  it('reads negative zero as zero, which rules about negative amounts let through', () => {
    for (const zero of ['-0', '-0.00']) {
      const parsed = parseDecimal(zero);
      expect(parsed.isZero()).toBe(true);
      expect(parsed.isNeg()).toBe(false);
      expect(parsed.toFixed()).toBe('0');
    }
    expect(parsed('-0.5')).toBe('-0.5');
  });

  it('says why text is refused: too long, or not decimal text', () => {
    expect(() => parseDecimal('1'.repeat(65))).toThrow('A decimal number has at most 64 characters');
    expect(parsed('1'.repeat(64))).toBe('1'.repeat(64));
    for (const text of ['1e3', '+10', '.5', '10.', 'NaN', '']) expect(() => parseDecimal(text)).toThrow('A decimal number is written as a string, such as "64123.45"');
  });
});

function parsed(text: string): string {
  return parseDecimal(text).toFixed();
}
