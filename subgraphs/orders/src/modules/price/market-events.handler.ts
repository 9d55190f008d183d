import { EntityManager } from '@mikro-orm/postgresql';
import { BusEvent, BusEventHandler, Logger, MARKET_FX, MARKET_TICK, MarketFxEvent, MarketTickEvent } from '@herck/common';
import { isBelievableTime, isUsableQuote } from './believable-quotes';
import { PriceCache } from './price-cache';

/**
 * Keeps the price cache current from market's rounds and FX rates. Orders are priced from
 * these alone, so what no order can be made at is left out (and logged): a price or rate that
 * is not above zero, a round dated in the future.
 */
export function marketEventHandlers(cache: PriceCache, logger: Logger, now: () => Date = () => new Date()): Record<string, BusEventHandler> {
  const believable = (time: Date, event: BusEvent) => {
    if (isBelievableTime(time, now())) return true;
    logger.warn('market event ignored: its time is not believable', { event: event.id, type: event.type, time: String(time) });
    return false;
  };
  return {
    async [MARKET_TICK](event: BusEvent, em: EntityManager) {
      const tick = event.payload as unknown as MarketTickEvent;
      const time = new Date(tick.time);
      if (!believable(time, event)) return;
      const usable = tick.prices.filter(({ price }) => isUsableQuote(price));
      if (usable.length < tick.prices.length) logger.warn('market prices ignored: not above zero', { event: event.id, symbols: tick.prices.filter((p) => !usable.includes(p)).map((p) => p.symbol) });
      await cache.savePrices(em, time, usable);
    },
    async [MARKET_FX](event: BusEvent, em: EntityManager) {
      const fx = event.payload as unknown as MarketFxEvent;
      const time = new Date(fx.time);
      if (!believable(time, event)) return;
      const usable = Object.fromEntries(Object.entries(fx.rates).filter(([, rate]) => isUsableQuote(rate)));
      if (Object.keys(usable).length < Object.keys(fx.rates).length) logger.warn('FX rates ignored: not above zero', { event: event.id, currencies: Object.keys(fx.rates).filter((currency) => !(currency in usable)) });
      await cache.saveRates(em, time, usable);
    },
  };
}
