import Decimal from 'decimal.js';
import { DEFAULT_ASSETS } from '../../src/modules/asset/default-assets';
import { ProviderRound } from '../../src/modules/provider/market-provider';
import { SIMULATION_EPOCH, SimulatedProvider } from '../../src/modules/provider/simulated.provider';
import { liveSignal, plainGlobal, plainQuote } from './provider-test-kit';

const SYMBOLS = DEFAULT_ASSETS.map((asset) => asset.symbol);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T1 = new Date('2025-06-02T10:15:00Z');
const T2 = new Date('2025-09-17T03:41:27Z');

function round(provider: SimulatedProvider, time: Date, symbols = SYMBOLS): Promise<ProviderRound> {
  return provider.fetchRound(symbols, time, liveSignal());
}

/** A round as plain strings, to compare two rounds exactly. */
function plainRound(value: ProviderRound) {
  return { quotes: value.quotes.map(plainQuote), global: plainGlobal(value.global), fx: value.fx.map(({ quote, rate }) => ({ quote, rate: rate.toString() })) };
}

function priceOf(value: ProviderRound, symbol: string): Decimal {
  const quote = value.quotes.find((candidate) => candidate.symbol === symbol);
  if (!quote) throw new Error(`no ${symbol} quote`);
  return quote.price;
}

describe('simulated provider', () => {
  it('knows twenty default assets with sensible figures', () => {
    expect(DEFAULT_ASSETS).toHaveLength(20);
    expect(new Set(SYMBOLS).size).toBe(20);
    expect(SYMBOLS.slice(0, 2)).toEqual(['BTC', 'ETH']);
    for (const asset of DEFAULT_ASSETS) {
      expect(new Decimal(asset.startPrice).isPositive()).toBe(true);
      expect(new Decimal(asset.circulatingSupply).isPositive()).toBe(true);
      expect(new Decimal(asset.volume24h).isPositive()).toBe(true);
      expect(asset.annualVolatility).toBeGreaterThan(0);
      expect(asset.annualVolatility).toBeLessThan(2);
    }
  });

  it('starts every asset at its start price and every rate at its start rate', async () => {
    const start = await round(new SimulatedProvider({ seed: 'any' }), SIMULATION_EPOCH);

    expect(start.quotes.map((quote) => [quote.symbol, quote.price.toString()])).toEqual(DEFAULT_ASSETS.map((asset) => [asset.symbol, asset.startPrice]));
    expect(start.fx.map(({ quote, rate }) => [quote, rate.toString()])).toEqual([
      ['EUR', '0.86'],
      ['GBP', '0.75'],
      ['JPY', '150'],
      ['CHF', '0.8'],
      ['CAD', '1.38'],
      ['AUD', '1.53'],
      ['CNY', '7.12'],
    ]);
  });

  it('gives the same round for the same seed and time, and another for another seed', async () => {
    const first = plainRound(await round(new SimulatedProvider({ seed: 'alpha' }), T1));
    const again = plainRound(await round(new SimulatedProvider({ seed: 'alpha' }), T1));
    const other = plainRound(await round(new SimulatedProvider({ seed: 'beta' }), T1));

    expect(again).toEqual(first);
    expect(other.quotes.map((quote) => quote.price)).not.toEqual(first.quotes.map((quote) => quote.price));
    expect(other.fx).not.toEqual(first.fx);
  });

  it('does not depend on the rounds asked before, or their order', async () => {
    const forwards = new SimulatedProvider({ seed: 'order' });
    const backwards = new SimulatedProvider({ seed: 'order' });
    const fresh = new SimulatedProvider({ seed: 'order' });

    const forwardT1 = plainRound(await round(forwards, T1));
    const forwardT2 = plainRound(await round(forwards, T2));
    const backwardT2 = plainRound(await round(backwards, T2));
    await round(backwards, new Date('2031-01-01T00:00:00Z'));
    await round(backwards, new Date(T1.getTime() + 1_000));
    const backwardT1 = plainRound(await round(backwards, T1));

    expect(backwardT1).toEqual(forwardT1);
    expect(backwardT2).toEqual(forwardT2);
    expect(plainRound(await round(fresh, T2))).toEqual(forwardT2);
  });

  it('quotes the symbols asked, once each, in the order asked; the market totals are the default assets\' alone', async () => {
    const simulated = new SimulatedProvider({ seed: 'known' });

    const some = await round(simulated, T1, ['SOL', 'NOTACOIN', 'btc', 'SOL']);
    const none = await round(simulated, T1, []);

    expect(some.quotes.map((quote) => quote.symbol)).toEqual(['SOL', 'NOTACOIN', 'BTC']);
    expect(none.quotes).toEqual([]);
    expect(plainGlobal(none.global)).toEqual(plainGlobal(some.global));
  });

  it('makes up a market for a symbol beyond the defaults (an admin tracked it), the same for the same seed and time', async () => {
    const quoteOf = async (provider: SimulatedProvider, time: Date) => (await round(provider, time, ['PEPEX'])).quotes[0]!;
    const first = await quoteOf(new SimulatedProvider({ seed: 'known' }), T1);
    expect(first).toMatchObject({ symbol: 'PEPEX', name: 'PEPEX' });
    expect(first.price.gt(0)).toBe(true);
    expect(first.marketCap!.eq(first.price.times('1000000000'))).toBe(true);
    expect((await quoteOf(new SimulatedProvider({ seed: 'known' }), T1)).price.toString()).toBe(first.price.toString());
    expect((await quoteOf(new SimulatedProvider({ seed: 'known' }), new Date(T1.getTime() + 3_600_000))).price.toString()).not.toBe(first.price.toString());
  });

  it('derives cap from price × supply and the changes from the walk an hour and a day earlier', async () => {
    const simulated = new SimulatedProvider({ seed: 'consistency' });
    const now = await round(simulated, T1);
    const hourAgo = await round(simulated, new Date(T1.getTime() - HOUR));
    const dayAgo = await round(simulated, new Date(T1.getTime() - DAY));

    for (const quote of now.quotes) {
      const asset = DEFAULT_ASSETS.find((candidate) => candidate.symbol === quote.symbol);
      expect(quote.marketCap?.toString()).toBe(quote.price.times(asset?.circulatingSupply ?? 0).toDecimalPlaces(0).toString());
      const change1h = quote.price.div(priceOf(hourAgo, quote.symbol)).minus(1).times(100);
      const change24h = quote.price.div(priceOf(dayAgo, quote.symbol)).minus(1).times(100);
      expect(quote.percentChange1h?.minus(change1h).abs().toNumber()).toBeLessThanOrEqual(0.00005);
      expect(quote.percentChange24h?.minus(change24h).abs().toNumber()).toBeLessThanOrEqual(0.00005);
    }
  });

  it('stays in realistic ranges over the years', async () => {
    const simulated = new SimulatedProvider({ seed: 'ranges' });
    for (let time = Date.parse('2024-01-01T00:00:00Z'); time < Date.parse('2028-01-01T00:00:00Z'); time += 31 * DAY + 7 * HOUR) {
      const sample = await round(simulated, new Date(time));
      const btc = priceOf(sample, 'BTC').toNumber();
      expect(btc).toBeGreaterThan(25_000);
      expect(btc).toBeLessThan(400_000);
      for (const stablecoin of ['USDT', 'USDC']) {
        expect(Math.abs(priceOf(sample, stablecoin).toNumber() - 1)).toBeLessThan(0.01);
      }
      for (const quote of sample.quotes) {
        expect(quote.price.isPositive()).toBe(true);
        // Six significant digits at most, or cents: no binary noise.
        expect(quote.price.decimalPlaces()).toBeLessThanOrEqual(Math.max(2, 6 - quote.price.e - 1));
        expect(quote.volume24h?.isPositive()).toBe(true);
        expect(Math.abs(quote.percentChange24h?.toNumber() ?? 0)).toBeLessThan(50);
      }
      const global = sample.global;
      expect(global?.totalMarketCap.toNumber()).toBeGreaterThan(1e12);
      expect(global?.totalMarketCap.toNumber()).toBeLessThan(1.5e13);
      expect(global?.btcDominance.toNumber()).toBeGreaterThan(30);
      expect(global?.btcDominance.toNumber()).toBeLessThan(85);
      expect(global?.activeCryptocurrencies).toBeGreaterThanOrEqual(9_000);
      expect(global?.activeCryptocurrencies).toBeLessThanOrEqual(10_000);
      const eur = sample.fx.find((rate) => rate.quote === 'EUR')?.rate.toNumber() ?? 0;
      expect(eur).toBeGreaterThan(0.6);
      expect(eur).toBeLessThan(1.2);
    }
  });

  it('gives a fresh provider the same round as one that has run for hours', async () => {
    const running = new SimulatedProvider({ seed: 'busy' });
    for (let i = 0; i < 360; i++) await round(running, new Date(T1.getTime() + i * 10_000));
    const last = new Date(T1.getTime() + 360 * 10_000);

    expect(plainRound(await round(running, last))).toEqual(plainRound(await round(new SimulatedProvider({ seed: 'busy' }), last)));
  });

  it('refuses an aborted round and an invalid time', async () => {
    const simulated = new SimulatedProvider({ seed: 'abort' });
    const controller = new AbortController();
    controller.abort(new Error('stopping'));

    await expect(simulated.fetchRound(['BTC'], T1, controller.signal)).rejects.toThrow('stopping');
    await expect(simulated.fetchRound(['BTC'], new Date(Number.NaN), liveSignal())).rejects.toThrow('simulated: invalid round time');
  });
});
