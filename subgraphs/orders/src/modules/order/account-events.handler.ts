import { EntityManager } from '@mikro-orm/postgresql';
import { ACCOUNT_DELETED, AccountDeletedEvent, BusEvent, BusEventHandler } from '@herck/common';

/**
 * A deleted account takes its orders with it: deletion is for good, and an
 * order whose owner no longer exists could not answer `owner` (Account!).
 */
export function accountEventHandlers(): Record<string, BusEventHandler> {
  return {
    async [ACCOUNT_DELETED](event: BusEvent, em: EntityManager) {
      const { id } = event.payload as unknown as AccountDeletedEvent;
      await em.execute('DELETE FROM orders WHERE owner_id = ?', [id]);
    },
  };
}
