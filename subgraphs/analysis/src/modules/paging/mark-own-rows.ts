import { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError, isUuid, NotFoundError } from '@herck/common';

const MAX_IDS = 1000;

/**
 * Sets `change` on the caller's rows among `ids` where `pending` holds, and
 * says how many changed. An id that is not one of the caller's rows is
 * NOT_FOUND, as if it did not exist, and nothing changes.
 */
export async function markOwnRows(em: EntityManager, table: 'alerts' | 'notifications', what: string, ownerId: string, ids: string[], change: string, pending: string): Promise<number> {
  if (ids.length > MAX_IDS) throw new BadUserInputError(`At most ${MAX_IDS} ids at a time`, 'ids');
  // One id in two letter cases is one row (PostgreSQL reads a uuid in either).
  const unique = [...new Set(ids.map((id) => id.toLowerCase()))];
  if (!unique.length) return 0;
  if (!unique.every(isUuid)) throw new NotFoundError(what);
  return em.transactional(async (tx) => {
    const [{ count }] = await tx.execute<{ count: string }[]>(`SELECT count(*) FROM ${table} WHERE owner_id = ? AND id IN (?)`, [ownerId, unique]);
    if (Number(count) !== unique.length) throw new NotFoundError(what);
    const changed = await tx.execute<{ id: string }[]>(`UPDATE ${table} SET ${change} WHERE owner_id = ? AND id IN (?) AND ${pending} RETURNING id`, [ownerId, unique]);
    return changed.length;
  });
}
