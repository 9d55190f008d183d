import { EntityManager } from '@mikro-orm/postgresql';
import { ACCOUNT_DELETED, AccountDeletedEvent, BusEvent, BusEventHandler, lockOwner } from '@herck/common';

/**
 * A deleted account takes its orders with it: deletion is for good, and an
 * order whose owner no longer exists could not answer `owner` (Account!). Its
 * id is kept, so an order placed after this (within the gateway's session
 * check) is refused, and the owner's lock (see `lockOwner`) keeps one placed
 * at this very moment from slipping between the two.
 */
export function accountEventHandlers(): Record<string, BusEventHandler> {
  return {
    async [ACCOUNT_DELETED](event: BusEvent, em: EntityManager) {
      const { id } = event.payload as unknown as AccountDeletedEvent;
      await lockOwner(em, id);
      await em.execute('INSERT INTO deleted_owners (id) VALUES (?) ON CONFLICT DO NOTHING', [id]);
      await em.execute('DELETE FROM orders WHERE owner_id = ?', [id]);
    },
  };
}

