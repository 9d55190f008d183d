import { arrayParameter } from '../src';

describe('arrayParameter', () => {
  it('quotes every item, escapes quotes and backslashes, and writes dates in ISO form', () => {
    expect(arrayParameter(['BTC', 'a "b"', 'c\\d', '', 'NULL'])).toBe('{"BTC","a \\"b\\"","c\\\\d","","NULL"}');
    expect(arrayParameter([new Date('2026-12-02T12:00:00Z')])).toBe('{"2026-12-02T12:00:00.000Z"}');
    expect(arrayParameter([])).toBe('{}');
  });
});
