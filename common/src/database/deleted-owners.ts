import { EntityManager } from '@mikro-orm/postgresql';
import { UnauthenticatedError } from '../errors/app-errors';

/**
 * Held until the transaction ends: an owner's deletion (applied from `account.deleted`, which
 * records the id in the service's `deleted_owners`) and anything made for that owner happen one
 * after the other. The gateway still lets a deleted account's token through for its session
 * check's few seconds; nothing made in them outlives the deletion.
 */
export async function lockOwner(em: EntityManager, ownerId: string): Promise<void> {
  await em.execute('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`owner:${ownerId}`]);
}

/** Locks the owner and refuses one whose account was deleted (UNAUTHENTICATED, as their token now is). */
export async function lockUndeletedOwner(em: EntityManager, ownerId: string): Promise<void> {
  await lockOwner(em, ownerId);
  if ((await em.execute('SELECT 1 FROM deleted_owners WHERE id = ?', [ownerId])).length) throw new UnauthenticatedError('This account has been deleted');
}
