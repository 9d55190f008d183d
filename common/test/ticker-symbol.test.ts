import { currencyCodeOf, isTickerSymbol, tickerSymbolOf } from '../src';

describe('ticker symbols and currency codes as typed', () => {
  it('take any letter case and surrounding spaces, and answer the upper-case form', () => {
    expect(['btc', ' Eth ', '1inch', 'BTC\n'].map(tickerSymbolOf)).toEqual(['BTC', 'ETH', '1INCH', 'BTC']);
    expect(['eur', ' Usd '].map(currencyCodeOf)).toEqual(['EUR', 'USD']);
  });

  it('refuse letters that upper-case into other, valid ones (ß to SS, ﬁ to FI, ı to I, ſ to S)', () => {
    for (const typed of ['ß', 'ﬁ', 'ﬃ', 'ı', 'ſ', 'ßtc', 'БТК', 'ＢＴＣ', 'B TC', '', '1234567890123456']) expect([typed, tickerSymbolOf(typed)]).toEqual([typed, null]);
    for (const typed of ['ıNR', 'ßE', 'eu', 'euro', 'E1R']) expect([typed, currencyCodeOf(typed)]).toEqual([typed, null]);
    // What upper-casing alone would have let through:
    expect(isTickerSymbol('ß'.toUpperCase())).toBe(true);
  });
});
