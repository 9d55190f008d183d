import { crossRate } from '../src/modules/fx/cross-rate';

describe('crossRate', () => {
  it('rounds the exact quotient once, to 12 significant digits', () => {
    // 3.0000000000149999999985 / 3 = 1.00000000000499999999950…: "1" at 12 digits. Rounded to 20 digits
    // first (…5000000), it became 1.00000000001.
    expect(crossRate('3.0000000000149999999985', '3').toString()).toBe('1');
    expect(crossRate('0.92', '1.36').toString()).toBe('0.676470588235');
    expect(crossRate(1, '0.92').toString()).toBe('1.08695652174');
  });
});
