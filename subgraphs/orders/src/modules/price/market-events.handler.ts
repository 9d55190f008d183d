import { EntityManager } from '@mikro-orm/postgresql';
import { BusEvent, BusEventHandler, Logger, MARKET_FX, MARKET_TICK, usableFx, usableTick } from '@herck/common';
import { PriceCache } from './price-cache';

/**
 * Keeps the price cache current from market's rounds and FX rates. Orders are priced from
 * these alone, so what no order can be made at is left out (and logged): a price or rate that
 * is not above zero, a round dated in the future.
 */
export function marketEventHandlers(cache: PriceCache, logger: Logger, now: () => Date = () => new Date()): Record<string, BusEventHandler> {
  return {
    async [MARKET_TICK](event: BusEvent, em: EntityManager) {
      const round = usableTick(event, now(), logger);
      if (round) await cache.savePrices(em, round.time, round.usable);
    },
    async [MARKET_FX](event: BusEvent, em: EntityManager) {
      const round = usableFx(event, now(), logger);
      if (round) await cache.saveRates(em, round.time, round.usable);
    },
  };
}
