import { EntityManager } from '@mikro-orm/postgresql';
import { BusEvent, BusEventHandler, MARKET_FX, MARKET_TICK, MarketFxEvent, MarketTickEvent } from '@herck/common';
import { PriceCache } from './price-cache';

/** Keeps the price cache current from market's rounds and FX rates. */
export function marketEventHandlers(cache: PriceCache): Record<string, BusEventHandler> {
  return {
    async [MARKET_TICK](event: BusEvent, em: EntityManager) {
      const tick = event.payload as unknown as MarketTickEvent;
      await cache.savePrices(em, new Date(tick.time), tick.prices);
    },
    async [MARKET_FX](event: BusEvent, em: EntityManager) {
      const fx = event.payload as unknown as MarketFxEvent;
      await cache.saveRates(em, new Date(fx.time), fx.rates);
    },
  };
}
