import { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { FieldNode, Kind } from 'graphql';
import { SnapshotStore } from './snapshot-store';

/**
 * Root fields whose answers change only when a round lands (or, for history and
 * assets, by an admin's import within the round): the same for every caller
 * allowed to ask, personal to nobody.
 */
const ROUND_SCOPED = new Set(['marketSnapshot', 'assets', 'asset', 'ticks', 'candles', 'globalMetrics', 'fxRates', '_entities', '__typename']);

/** The longest reuse, whatever the round's length: an admin's change (a tracked asset, imported candles) shows within it. */
const MAX_AGE_SECONDS = 5;

/** Every candle interval (M1 to D1) ends at a whole UTC minute. */
const MINUTE_MS = 60_000;

/**
 * Tells the gateway how long a round-scoped answer stays true: `Cache-Control:
 * public, max-age=N` up to the next round's boundary (at most five seconds), in
 * whole seconds rounded down. Nothing newer than the current round can exist before that boundary,
 * and the next round lands after it, so an answer reused until then is never
 * older than the latest round. Nor past the end of the current minute: a candle whose period
 * ended there reads `closed` from then on, also where no round falls on it (an interval such
 * as 7 s, or 300 s with M1 candles). An answer whose round changed while it was
 * made, a round already overdue, mutations, errors and admin fields get no hint.
 */
export function roundCachePlugin(snapshot: SnapshotStore, intervalSeconds: number, now: () => number = Date.now): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      const round = snapshot.time;
      return {
        async willSendResponse({ operation, response }) {
          if (!round || snapshot.time?.getTime() !== round.getTime()) return;
          if (operation?.operation !== 'query' || response.body.kind !== 'single' || response.body.singleResult.errors) return;
          const roots = operation.selectionSet.selections;
          if (!roots.every((selection) => selection.kind === Kind.FIELD && ROUND_SCOPED.has((selection as FieldNode).name.value))) return;
          const time = now();
          // Candles end at whole minutes whatever the interval, and an ended one reads `closed` from then on.
          const until = Math.min(round.getTime() + intervalSeconds * 1000, Math.floor(time / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
          const seconds = Math.min(MAX_AGE_SECONDS, Math.floor((until - time) / 1000));
          if (seconds >= 1) response.http.headers.set('cache-control', `public, max-age=${seconds}`);
        },
      };
    },
  };
}
