import { isBelievableTime, isUsableQuote } from '../src';

describe("market's prices and rates, before an order is priced from them", () => {
  it('are usable only as finite decimals above zero', () => {
    for (const value of ['104612.5', '0.00000001', '1e-20']) expect(isUsableQuote(value)).toBe(true);
    // Zero and below would price an order at nothing (or divide by zero); garbage is no number.
    for (const value of ['0', '-1', '-0.5', 'NaN', 'Infinity', '', 'abc']) expect(isUsableQuote(value)).toBe(false);
  });

  it('are believed up to a minute ahead of this clock, and not from further ahead or from no time at all', () => {
    const now = new Date('2026-12-03T12:00:00Z');
    expect(isBelievableTime(new Date('2026-12-03T11:59:00Z'), now)).toBe(true);
    expect(isBelievableTime(new Date('2026-12-03T12:01:00Z'), now)).toBe(true);
    expect(isBelievableTime(new Date('2026-12-03T12:01:01Z'), now)).toBe(false);
    expect(isBelievableTime(new Date('2027-01-01T00:00:00Z'), now)).toBe(false);
    expect(isBelievableTime(new Date('not a time'), now)).toBe(false);
  });
});
