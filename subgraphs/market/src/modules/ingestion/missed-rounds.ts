import { EntityManager } from '@mikro-orm/postgresql';
import { lockRoundRecords } from './round-record-lock';

/** A takeover after a long outage records at most this many rounds… */
export const MAX_MISSED_ROUNDS = 10_000;
/** …and none older than this: the newest are the ones an admin looks for (`gapsLastHour`). */
export const MAX_MISSED_SPAN_MS = 86_400_000;

/**
 * Records as gaps the boundaries no replica ran: those after the last round
 * the store knows (stored, or recorded as a gap) and before `firstRound`, the
 * first round a replica runs after taking over (or starting). The schedule
 * only sees the boundaries it lives through; these passed while market was
 * stopped, or while a dead leader still held the lock. A very long outage is
 * recorded for its last day at most (and at most MAX_MISSED_ROUNDS rows); the
 * reason of each row says when it began. A store that never had a round
 * records nothing. Returns how many boundaries it recorded.
 */
export async function recordMissedRounds(em: EntityManager, firstRound: Date, intervalMs: number): Promise<number> {
  // Under the lock a round, even an old leader's that overran, is either stored already (so found here) or
  // lands later and removes its gap: a boundary is never both a round and a gap.
  return em.transactional(async (tx) => {
    await lockRoundRecords(tx);
    return recordMissedRoundsLocked(tx, firstRound, intervalMs);
  });
}

/** The last boundary the store knows, stored as a round or recorded as a gap; null for a store that never had a round. */
export async function lastRoundKnown(em: EntityManager): Promise<Date | null> {
  const [{ last }] = await em.execute<{ last: Date | string | null }[]>(
    // Two index probes (both tables are keyed by round time), not a scan.
    'SELECT greatest((SELECT max(time) FROM global_metrics), (SELECT max(round_time) FROM ingestion_gaps)) AS last',
  );
  return last ? new Date(last) : null;
}

async function recordMissedRoundsLocked(em: EntityManager, firstRound: Date, intervalMs: number): Promise<number> {
  const lastRound = await lastRoundKnown(em);
  if (!lastRound) return 0;
  const end = firstRound.getTime() - intervalMs;
  const afterLast = Math.floor(lastRound.getTime() / intervalMs) * intervalMs + intervalMs;
  const oldestAllowed = Math.max(Math.ceil((firstRound.getTime() - MAX_MISSED_SPAN_MS) / intervalMs) * intervalMs, end - (MAX_MISSED_ROUNDS - 1) * intervalMs);
  const start = Math.max(afterLast, oldestAllowed);
  if (start > end) return 0;
  const reason = `no replica was ingesting (rounds missed from ${new Date(afterLast).toISOString()} until ${firstRound.toISOString()})`;
  await em.execute(
    `INSERT INTO ingestion_gaps (round_time, reason)
     SELECT round_time, ? FROM generate_series(?::timestamptz, ?::timestamptz, ?::interval) AS round_time
     ON CONFLICT DO NOTHING`,
    [reason, new Date(start), new Date(end), `${intervalMs} milliseconds`],
  );
  return (end - start) / intervalMs + 1;
}
