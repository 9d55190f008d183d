import Decimal from 'decimal.js';
import { ProviderFxRate } from '../market-provider';
import { SeededOuProcess } from './seeded-ou-process';

/** A fiat currency the simulated provider quotes against the US dollar. */
export interface SimulatedCurrency {
  quote: string;
  /** Units of `quote` one US dollar buys at the simulation's epoch. */
  startRate: number;
  /** Annualised volatility of the rate's logarithm. */
  annualVolatility: number;
}

/** Rates close to those of late 2025; the yuan is managed, hence its low volatility. */
export const SIMULATED_CURRENCIES: readonly SimulatedCurrency[] = [
  { quote: 'EUR', startRate: 0.86, annualVolatility: 0.07 },
  { quote: 'GBP', startRate: 0.75, annualVolatility: 0.08 },
  { quote: 'JPY', startRate: 150, annualVolatility: 0.1 },
  { quote: 'CHF', startRate: 0.8, annualVolatility: 0.07 },
  { quote: 'CAD', startRate: 1.38, annualVolatility: 0.06 },
  { quote: 'AUD', startRate: 1.53, annualVolatility: 0.1 },
  { quote: 'CNY', startRate: 7.12, annualVolatility: 0.03 },
];

/** One currency's simulated rate: its start rate moved by a seeded mean-reverting walk. */
export class SimulatedCurrencySeries {
  constructor(
    private readonly currency: SimulatedCurrency,
    private readonly walk: SeededOuProcess,
  ) {}

  /** The rate at `time` (ms), to six significant digits. */
  rate(time: number): ProviderFxRate {
    const rate = this.currency.startRate * Math.exp(this.currency.annualVolatility * this.walk.at(time));
    return { quote: this.currency.quote, rate: new Decimal(rate.toPrecision(6)) };
  }
}
