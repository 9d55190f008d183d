import { EntityManager } from '@mikro-orm/postgresql';

const ROUND_RECORD_LOCK = 'herck:market:round-record';

/**
 * Whether a boundary is a round (its `global_metrics` row) or a gap (its
 * `ingestion_gaps` row) is decided under this lock, held until the transaction
 * ends. The ingestion lease alone does not decide it: a leader that lost the
 * lease during an overrunning round still commits that round, while the
 * replica that took over records the rounds it finds missing. Under the lock,
 * whichever comes second sees what the first committed (read committed: each
 * statement after the lock reads the newest commits). Take it first in the
 * transaction, before any row lock, so that two writers cannot deadlock.
 */
export async function lockRoundRecords(tx: EntityManager, options: { commitWithoutWaitingForTheDisk?: boolean } = {}): Promise<void> {
  // With SET LOCAL synchronous_commit = off in the same statement when asked: the round's latency is its statements.
  const asynchronousCommit = options.commitWithoutWaitingForTheDisk ? "set_config('synchronous_commit', 'off', true), " : '';
  await tx.execute(`SELECT ${asynchronousCommit}pg_advisory_xact_lock(hashtext(?))`, [ROUND_RECORD_LOCK]);
}
