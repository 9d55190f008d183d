import { EntityManager } from '@mikro-orm/postgresql';
import { UnauthenticatedError } from '@herck/common';

/**
 * Held until the transaction ends: an owner's deletion and anything they create (a strategy, a
 * portfolio) happen one after the other, so nothing is made for an account already gone. The
 * gateway still lets a deleted account's token through for its session check's few seconds.
 */
export async function lockOwner(em: EntityManager, ownerId: string): Promise<void> {
  await em.execute('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`analysis-owner:${ownerId}`]);
}

/** Locks the owner and refuses one whose account was deleted (UNAUTHENTICATED, as their token now is). */
export async function lockLiveOwner(em: EntityManager, ownerId: string): Promise<void> {
  await lockOwner(em, ownerId);
  if ((await em.execute('SELECT 1 FROM deleted_owners WHERE id = ?', [ownerId])).length) throw new UnauthenticatedError('This account has been deleted');
}
