import { EntityManager } from '@mikro-orm/postgresql';

/** Held until the transaction ends: an owner's deletion and an order of theirs happen one after the other. */
export async function lockOwner(em: EntityManager, ownerId: string): Promise<void> {
  await em.execute('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`orders-owner:${ownerId}`]);
}

/** Whether the account was deleted (call with the owner locked). */
export async function ownerDeleted(em: EntityManager, ownerId: string): Promise<boolean> {
  return (await em.execute('SELECT 1 FROM deleted_owners WHERE id = ?', [ownerId])).length > 0;
}
