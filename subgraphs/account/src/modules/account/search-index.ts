import { EntityManager } from '@mikro-orm/postgresql';
import { Logger } from '@herck/common';

/**
 * Says in the service's log when the admins' account search has no trigram index (the migration
 * skips it where the server lacks pg_trgm or the right to create it). The migration's NOTICE
 * reaches no one: the driver drops notices and the server logs only warnings and worse by default.
 */
export async function warnWithoutSearchIndex(em: EntityManager, logger: Logger): Promise<boolean> {
  const [row] = await em.execute<{ index: string | null }[]>(`SELECT to_regclass('accounts_search_idx')::text AS index`);
  if (row?.index) return true;
  logger.warn('no trigram index for the account search (pg_trgm is missing or could not be created): a search reads every account');
  return false;
}
