import { EntityManager } from '@mikro-orm/postgresql';
import { ACCOUNT_CHANGED, ACCOUNT_DELETED, AccountChangedEvent, AccountDeletedEvent, BusEvent, BusEventHandler, lockOwner } from '@herck/common';

/**
 * A deleted account takes its orders with it: deletion is for good, and an
 * order whose owner no longer exists could not answer `owner` (Account!). Its
 * id is kept, so an order placed after this (within the gateway's session
 * check) is refused, and the owner's lock (see `lockOwner`) keeps one placed
 * at this very moment from slipping between the two.
 */
export function accountEventHandlers(): Record<string, BusEventHandler> {
  return {
    // An account changed after its deletion (in bus order, which keeps one account's events in the order
    // they were made) has come back: only the first admin's id does, made again by its operator.
    async [ACCOUNT_CHANGED](event: BusEvent, em: EntityManager) {
      const { id } = event.payload as unknown as AccountChangedEvent;
      await em.execute('DELETE FROM deleted_owners WHERE id = ?', [id]);
    },
    async [ACCOUNT_DELETED](event: BusEvent, em: EntityManager) {
      const { id } = event.payload as unknown as AccountDeletedEvent;
      await lockOwner(em, id);
      await em.execute('INSERT INTO deleted_owners (id) VALUES (?) ON CONFLICT DO NOTHING', [id]);
      await em.execute('DELETE FROM orders WHERE owner_id = ?', [id]);
    },
  };
}

