import { EntityManager } from '@mikro-orm/postgresql';
import { BusEvent, BusEventHandler, Logger, MARKET_FX, MARKET_TICK, MarketFxEvent, MarketTickEvent, usableFx, usableTick } from '@herck/common';
import { PriceCache } from './price-cache';

/**
 * Keeps the price cache current from market's rounds and FX rates. Orders are priced from
 * these alone, so what no order can be made at is left out (and logged): a price or rate that
 * is not above zero, a round dated in the future.
 */
export function marketEventHandlers(cache: PriceCache, logger: Logger, now: () => Date = () => new Date()): Record<string, BusEventHandler> {
  return {
    async [MARKET_TICK](event: BusEvent, em: EntityManager) {
      const round = usableTick(event.payload as unknown as MarketTickEvent, now());
      if (!round) return logger.warn('market round ignored: its time is not believable', { event: event.id, time: event.payload.time });
      if (round.leftOut.length) logger.warn('market prices ignored: not above zero', { event: event.id, symbols: round.leftOut });
      await cache.savePrices(em, round.time, round.usable);
    },
    async [MARKET_FX](event: BusEvent, em: EntityManager) {
      const round = usableFx(event.payload as unknown as MarketFxEvent, now());
      if (!round) return logger.warn('FX rates ignored: their time is not believable', { event: event.id, time: event.payload.time });
      if (round.leftOut.length) logger.warn('FX rates ignored: not above zero', { event: event.id, currencies: round.leftOut });
      await cache.saveRates(em, round.time, round.usable);
    },
  };
}
