import Decimal from 'decimal.js';
import { DefaultAsset } from '../../asset/default-assets';
import { SeededOuProcess } from './seeded-ou-process';

export const DAY_YEARS = 1 / 365.25;
/** Volatile assets wander freely over weeks but drift back towards their start price over months. */
export const VOLATILE_REVERSION_YEARS = 0.5;
/** Below this volatility an asset is a stablecoin: it returns to its peg within about a day. */
const PEGGED_BELOW = 0.05;
/** Crypto moves together: the share of a volatile asset's variance that comes from the common market factor. */
const MARKET_SHARE_OF_VARIANCE = 0.6;
/** Standard deviation of log(volume) around the asset's typical volume; it changes over a couple of days. */
const VOLUME_SPREAD = 0.25;
const VOLUME_REVERSION_YEARS = 2 * DAY_YEARS;

/** Makes the seeded series `name` (seed included); anchored series are 0 at the simulation's epoch. */
export type SeriesFactory = (name: string, reversionYears: number, anchored?: boolean) => SeededOuProcess;

/** One asset's figures at one instant. */
export interface AssetSnapshot {
  price: Decimal;
  volume24h: Decimal;
  marketCap: Decimal;
}

/**
 * One default asset's simulated market. Its log-price moves away from the
 * start price by volatility × (a share of the common market series + its own
 * series), so the series' unit volatility becomes the asset's volatility.
 */
export class SimulatedAsset {
  readonly name: string;
  private readonly startPrice: number;
  private readonly supply: Decimal;
  private readonly typicalVolume: number;
  private readonly marketWeight: number;
  private readonly ownWeight: number;
  private readonly own: SeededOuProcess;
  private readonly volume: SeededOuProcess;

  constructor(asset: DefaultAsset, series: SeriesFactory) {
    this.name = asset.name;
    this.startPrice = Number(asset.startPrice);
    this.supply = new Decimal(asset.circulatingSupply);
    this.typicalVolume = Number(asset.volume24h);
    const pegged = asset.annualVolatility < PEGGED_BELOW;
    // A stablecoin does not follow the market; it only jitters around its peg.
    const marketShare = pegged ? 0 : MARKET_SHARE_OF_VARIANCE;
    this.marketWeight = asset.annualVolatility * Math.sqrt(marketShare);
    this.ownWeight = asset.annualVolatility * Math.sqrt(1 - marketShare);
    this.own = series(`price:${asset.symbol}`, pegged ? DAY_YEARS : VOLATILE_REVERSION_YEARS);
    this.volume = series(`volume:${asset.symbol}`, VOLUME_REVERSION_YEARS, false);
  }

  /** The price at `time`, given the market series' value then. */
  price(time: number, market: number): Decimal {
    return roundPrice(this.startPrice * Math.exp(this.marketWeight * market + this.ownWeight * this.own.at(time)));
  }

  snapshot(time: number, market: number): AssetSnapshot {
    const price = this.price(time, market);
    const unitNoise = this.volume.at(time) / Math.sqrt(VOLUME_REVERSION_YEARS / 2);
    return {
      price,
      // Formatting rounds the float to whole dollars: no binary noise reaches the Decimal.
      volume24h: new Decimal((this.typicalVolume * Math.exp(VOLUME_SPREAD * unitNoise)).toFixed(0)),
      marketCap: price.times(this.supply).toDecimalPlaces(0),
    };
  }
}

/**
 * Six significant digits, but at least cents: 97123.46, 187.234, 1.00012,
 * 0.0000150123. Rounding happens while formatting the float as decimal text
 * (correctly rounded by the engine), so no binary noise reaches the Decimal,
 * and it costs one Decimal construction rather than several operations.
 */
function roundPrice(value: number): Decimal {
  return new Decimal(value >= 10_000 ? value.toFixed(2) : value.toPrecision(6));
}
