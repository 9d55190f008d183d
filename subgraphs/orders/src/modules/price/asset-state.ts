import { AssetAnnouncement } from '@herck/common';

/** What orders keeps of an asset: its latest announcement, and when market last stopped following it. */
export interface AssetState extends AssetAnnouncement {
  /** No price from before this is traded on (a round read before the untracking, the last price before a re-tracking). */
  untrackedAt: Date | null;
}

/**
 * Of two announcements of one asset the newer is the one with the higher version, whichever reached
 * the bus first (replicas' relays may pass each other, and their clocks differ). Announcements made
 * before versions existed are older than any versioned one; among themselves `changedAt` decides, and
 * a tie goes to the untracking: refusing an order for a moment is the mistake that can be undone.
 * The same rule as NEWER_ASSET_STATE, for memory.
 */
export function isNewerAssetState(incoming: AssetAnnouncement, known: AssetAnnouncement | undefined): boolean {
  if (!known) return true;
  if (incoming.version !== null) return known.version === null || known.version < incoming.version;
  if (known.version !== null) return false;
  const [before, after] = [known.changedAt.getTime(), incoming.changedAt.getTime()];
  return before < after || (before === after && !incoming.tracked);
}

/** isNewerAssetState in SQL: `excluded` (the announcement) over the row `asset_states` holds. */
export const NEWER_ASSET_STATE = `CASE
  WHEN excluded.version IS NOT NULL THEN COALESCE(asset_states.version < excluded.version, true)
  WHEN asset_states.version IS NOT NULL THEN false
  ELSE asset_states.changed_at < excluded.changed_at OR (asset_states.changed_at = excluded.changed_at AND NOT excluded.tracked)
END`;
