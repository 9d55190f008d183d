import { parse } from 'graphql';
import { conflationFor } from '../src/live/tick-conflation';

/** An event of `listKey` ticks, each symbol under `symbolKey`. */
const event = (listKey: string, symbolKey: string, prices: [string, string][]) => ({ data: { [listKey]: prices.map(([symbol, price]) => ({ [symbolKey]: symbol, price })) } });
const older = (listKey = 'ticks', symbolKey = 'symbol') => event(listKey, symbolKey, [['BTC', '1'], ['ETH', '2']]);
const newer = (listKey = 'ticks', symbolKey = 'symbol') => event(listKey, symbolKey, [['BTC', '3']]);

describe('conflationFor', () => {
  it.each([
    ['a plain field', 'subscription { ticks(symbols: ["BTC", "ETH"]) { symbol price } }', 'ticks', 'symbol'],
    ['aliases', 'subscription { live: ticks(symbols: ["BTC", "ETH"]) { id: symbol price } }', 'live', 'id'],
    ['spread fragments', 'subscription Live { ...Prices } fragment Prices on Subscription { ticks(symbols: ["BTC", "ETH"]) { ...Tick } } fragment Tick on Tick { symbol price }', 'ticks', 'symbol'],
    ['inline fragments', 'subscription { ... on Subscription { ticks(symbols: ["BTC", "ETH"]) { ... { symbol } price } } }', 'ticks', 'symbol'],
  ])('merges ticks written with %s: the newest price of a symbol, and the older ones of symbols it lacks', (_, document, listKey, symbolKey) => {
    const conflate = conflationFor(parse(document), undefined);
    expect(conflate).toBeDefined();
    expect(conflate!(older(listKey, symbolKey), newer(listKey, symbolKey))).toEqual(event(listKey, symbolKey, [['BTC', '3'], ['ETH', '2']]));
  });

  it('lets the newer event replace the older whole when the symbol may not be selected (a fragment under @include)', () => {
    const conflate = conflationFor(parse('subscription ($withSymbol: Boolean!) { ticks(symbols: ["BTC", "ETH"]) { ... @include(if: $withSymbol) { symbol } price } }'), undefined);
    expect(conflate!(older(), newer())).toEqual(newer());
  });

  it('merges no other subscription: each candle update matters', () => {
    expect(conflationFor(parse('subscription { candles(symbol: "BTC", interval: M1) { close closed } }'), undefined)).toBeUndefined();
    expect(conflationFor(parse('subscription C { ...Candle } fragment Candle on Subscription { candles(symbol: "BTC", interval: M1) { close } }'), 'C')).toBeUndefined();
  });
});
