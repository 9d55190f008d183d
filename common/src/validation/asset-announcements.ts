import { BusEvent } from '../bus/bus-database';
import { MarketAssetEvent } from '../events/market-events';
import { Logger } from '../logging/logger';
import { isTickerSymbol } from './ticker-symbol';

/** Whether market follows an asset, as one `market.asset` announcement says. */
export interface AssetAnnouncement {
  symbol: string;
  tracked: boolean;
  /** Market's count of the asset's changes; null in announcements made before it existed. */
  version: number | null;
  changedAt: Date;
}

/** The announcement a `market.asset` event makes, or null (logged) when it names no usable symbol, flag, time or version. */
export function usableAssetAnnouncement(event: BusEvent, logger: Logger): AssetAnnouncement | null {
  const change = event.payload as unknown as MarketAssetEvent;
  const changedAt = new Date(change.changedAt);
  const version = change.version ?? null;
  if (
    typeof change.symbol !== 'string' ||
    !isTickerSymbol(change.symbol) ||
    typeof change.tracked !== 'boolean' ||
    Number.isNaN(changedAt.getTime()) ||
    (version !== null && !Number.isSafeInteger(version))
  ) {
    logger.warn('market.asset event without a usable symbol, flag, time or version; ignored', { eventId: event.id });
    return null;
  }
  return { symbol: change.symbol, tracked: change.tracked, version, changedAt };
}
