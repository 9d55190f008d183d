import { EntityManager } from '@mikro-orm/postgresql';
import { BusEvent, BusEventHandler, Logger, MARKET_ASSET, MARKET_FX, MARKET_TICK, usableAssetAnnouncement, usableFx, usableTick } from '@herck/common';
import { PriceCache } from './price-cache';

/**
 * Keeps the price cache current from market's rounds and FX rates. Orders are priced from
 * these alone, so what no order can be made at is left out (and logged): a price or rate that
 * is not above zero, a round dated in the future. Whether market still follows an asset comes
 * from its `market.asset` announcements.
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
    // An asset market no longer follows is refused at once, not priced from its last round until that
    // is too old. Only a newer `market.asset` tracks it again: a tick of it may land after the untracking.
    async [MARKET_ASSET](event: BusEvent, em: EntityManager) {
      const state = usableAssetAnnouncement(event, logger);
      if (state) await cache.saveAssetState(em, state);
    },
  };
}
