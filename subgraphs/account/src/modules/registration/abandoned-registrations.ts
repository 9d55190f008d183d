import { LockMode } from '@mikro-orm/postgresql';
import { Logger, SubgraphRuntime } from '@herck/common';
import { accountDeleted } from '../account/account-events';
import { Account, AccountStatus } from '../account/account.entity';

const BATCH = 500;

/**
 * Deletes registrations never confirmed before their expiry, with the
 * `account.deleted` event each, a batch per transaction so no pass holds locks long.
 */
export async function deleteAbandonedRegistrations(runtime: Pick<SubgraphRuntime, 'orm' | 'publishEvents'>, logger: Logger, now = new Date()): Promise<number> {
  let deleted = 0;
  for (;;) {
    const batch = await runtime.orm.em.fork().transactional(async (tx) => {
      // Locked as read, passing over one a request holds (an admin's edit): deleted in the next pass, its
      // deletion then numbered after that edit's event on the bus, as it happened.
      const abandoned = await tx.find(
        Account,
        { status: AccountStatus.PENDING, confirmationExpiresAt: { $lt: now } },
        { limit: BATCH, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE },
      );
      for (const account of abandoned) {
        tx.remove(account);
        tx.persist(accountDeleted(account));
      }
      return abandoned.length;
    });
    deleted += batch;
    if (batch < BATCH) break;
  }
  if (deleted) {
    runtime.publishEvents();
    logger.info('abandoned registrations deleted', { accounts: deleted });
  }
  return deleted;
}
