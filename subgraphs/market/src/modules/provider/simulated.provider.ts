import Decimal from 'decimal.js';
import { DEFAULT_ASSETS } from '../asset/default-assets';
import { MarketProvider, ProviderError, ProviderFxRate, ProviderGlobalMetrics, ProviderQuote, ProviderRound } from './market-provider';
import { uniqueSymbols } from './provider-quotes';
import { hashString } from './simulation/seeded-noise';
import { SeededOuProcess } from './simulation/seeded-ou-process';
import { AssetSnapshot, DAY_YEARS, SeriesFactory, SimulatedAsset, VOLATILE_REVERSION_YEARS } from './simulation/simulated-asset';
import { SIMULATED_CURRENCIES, SimulatedCurrencySeries } from './simulation/simulated-fx';

/** Every simulated price equals its asset's `startPrice` (and every rate its start rate) at this instant. */
export const SIMULATION_EPOCH = new Date('2025-01-01T00:00:00Z');

const HOUR_MS = 3_600_000;
/** The default assets hold about this share of the whole market's capitalisation and of its volume. */
const CAP_SHARE = new Decimal('0.92');
const VOLUME_SHARE = new Decimal('0.8');
/** The count of listed cryptocurrencies drifts around 9 500 over a couple of months. */
const ACTIVE_REVERSION_YEARS = 60 * DAY_YEARS;
const FX_REVERSION_YEARS = 1;

/** Options of the simulated provider. */
export interface SimulatedProviderOptions {
  /** Same seed, same market: prices at a given time depend on the seed and the time only. */
  seed: string;
}

/**
 * A deterministic simulated market of the default assets (and of any other
 * symbol an admin tracks), for development and demos without an API key. Each
 * log-price is a seeded mean-reverting random walk (SeededOuProcess) scaled to
 * the asset's volatility and pinned to its start price at SIMULATION_EPOCH, so a
 * round at time t depends on the seed and t alone, whatever rounds came before,
 * and costs well under a millisecond.
 */
export class SimulatedProvider implements MarketProvider {
  readonly name = 'simulated';
  readonly givesFxRates = true;
  private readonly assets: Map<string, SimulatedAsset>;
  /** Assets an admin tracked beyond the defaults, made up from their symbol when first asked for. */
  private readonly tracked = new Map<string, SimulatedAsset>();
  private readonly series: SeriesFactory;
  private readonly market: SeededOuProcess;
  private readonly activeCount: SeededOuProcess;
  private readonly currencies: SimulatedCurrencySeries[];

  constructor(options: SimulatedProviderOptions) {
    const series = (name: string, reversionYears: number, anchored = true) =>
      new SeededOuProcess({
        key: hashString(`${options.seed}\u0000${name}`),
        reversionYears,
        anchorMs: anchored ? SIMULATION_EPOCH.getTime() : undefined,
      });
    this.series = series;
    this.market = series('market', VOLATILE_REVERSION_YEARS);
    this.activeCount = series('active-cryptocurrencies', ACTIVE_REVERSION_YEARS, false);
    this.assets = new Map(DEFAULT_ASSETS.map((asset) => [asset.symbol, new SimulatedAsset(asset, series)]));
    this.currencies = SIMULATED_CURRENCIES.map((currency) => new SimulatedCurrencySeries(currency, series(`fx:${currency.quote}`, FX_REVERSION_YEARS)));
  }

  async fetchRound(symbols: string[], time: Date, signal: AbortSignal): Promise<ProviderRound> {
    signal.throwIfAborted();
    const now = time.getTime();
    if (!Number.isFinite(now)) throw new ProviderError(this.name, 'invalid round time');
    const hourAgo = now - HOUR_MS;
    const dayAgo = now - 24 * HOUR_MS;
    const market = { now: this.market.at(now), hourAgo: this.market.at(hourAgo), dayAgo: this.market.at(dayAgo) };
    // Every default asset is needed for the market totals, whichever were asked for.
    const snapshots = new Map([...this.assets].map(([symbol, asset]) => [symbol, asset.snapshot(now, market.now)]));
    const quotes: ProviderQuote[] = [];
    for (const symbol of uniqueSymbols(symbols)) {
      const asset = this.assets.get(symbol) ?? this.trackedAsset(symbol);
      const snapshot = snapshots.get(symbol) ?? asset.snapshot(now, market.now);
      quotes.push({
        symbol,
        name: asset.name,
        ...snapshot,
        percentChange1h: percentChange(snapshot.price, asset.price(hourAgo, market.hourAgo)),
        percentChange24h: percentChange(snapshot.price, asset.price(dayAgo, market.dayAgo)),
      });
    }
    return { quotes, global: this.global(now, snapshots), fx: this.fxRates(time) };
  }

  /**
   * A simulated market for a symbol outside the defaults (an admin's `trackAsset`), so that it is
   * quoted like the others: its start price, supply and volume made up from the symbol's hash, the
   * same for the same symbol and seed. It stays out of the market totals.
   */
  private trackedAsset(symbol: string): SimulatedAsset {
    let asset = this.tracked.get(symbol);
    if (!asset) {
      const hash = hashString(`tracked:${symbol}`);
      // From 0.001 to about 1,000 USD, spread evenly in orders of magnitude.
      const startPrice = new Decimal(10).pow(((hash >>> 0) % 600) / 100 - 3).toSignificantDigits(4);
      asset = new SimulatedAsset({ symbol, name: symbol, startPrice: startPrice.toString(), annualVolatility: 0.9, volume24h: '50000000', circulatingSupply: '1000000000' }, this.series);
      this.tracked.set(symbol, asset);
    }
    return asset;
  }

  /** The simulated rates alone (what a round's `fx` holds), for platforms whose listed providers give none. */
  fxRates(time: Date): ProviderFxRate[] {
    return this.currencies.map((currency) => currency.rate(time.getTime()));
  }

  private global(now: number, snapshots: Map<string, AssetSnapshot>): ProviderGlobalMetrics {
    const all = [...snapshots.values()];
    const totalMarketCap = Decimal.sum(...all.map((s) => s.marketCap)).div(CAP_SHARE).toDecimalPlaces(0);
    const totalVolume24h = Decimal.sum(...all.map((s) => s.volume24h)).div(VOLUME_SHARE).toDecimalPlaces(0);
    const btcCap = snapshots.get('BTC')?.marketCap ?? new Decimal(0);
    const unitActive = this.activeCount.at(now) / Math.sqrt(ACTIVE_REVERSION_YEARS / 2);
    return {
      totalMarketCap,
      totalVolume24h,
      btcDominance: btcCap.div(totalMarketCap).times(100).toDecimalPlaces(4),
      activeCryptocurrencies: Math.min(10_000, Math.max(9_000, Math.round(9_500 + 200 * unitActive))),
    };
  }
}

/**
 * Percent change between two rounded prices, to four decimals. A ratio rather
 * than an amount of money, so it is taken in floating point (relative error
 * 1e-16, far below the rounding), which keeps a round cheap.
 */
function percentChange(now: Decimal, before: Decimal): Decimal {
  const change = new Decimal(((now.toNumber() / before.toNumber() - 1) * 100).toFixed(4));
  // toFixed turns a tiny fall into "-0.0000": no change is no change.
  return change.isZero() ? new Decimal(0) : change;
}
