import { MarketProvider, ProviderFxRate } from './market-provider';
import { SimulatedProvider } from './simulated.provider';

/** A round's FX rates when its providers give none. */
export type FallbackFx = (time: Date) => ProviderFxRate[];

/**
 * FX rates are "simulated by default; a real reference-rate source when
 * configured": when no listed provider is a reference-rate source
 * (MARKET_PROVIDERS=binance, say), the simulated rates of `seed` are used, so
 * prices in currencies other than the dollar still work. Null when one is
 * listed: its rates are never mixed with simulated ones, even in a round it fails.
 */
export function fallbackFx(providers: MarketProvider[], seed: string): FallbackFx | null {
  if (providers.some((provider) => provider.givesFxRates)) return null;
  const simulated = new SimulatedProvider({ seed });
  return (time) => simulated.fxRates(time);
}
