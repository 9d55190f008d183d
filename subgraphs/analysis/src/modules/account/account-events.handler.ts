import { EntityManager } from '@mikro-orm/postgresql';
import { ACCOUNT_CHANGED, ACCOUNT_DELETED, AccountChangedEvent, AccountDeletedEvent, BusEvent, BusEventHandler, lockOwner } from '@herck/common';
import { DEACTIVATED } from './owner.entity';

/** What the evaluation engine hears of owners. */
export interface OwnerListener {
  /** The owner's strategies are no longer evaluated (deactivated, deleted). */
  strategiesRemoved(ownerId: string): void;
  /** The owner's strategies are evaluated again (reactivated), once this change is committed. */
  strategiesRestored(ownerId: string): void;
}

/**
 * Keeps each owner's mail address and status current (stale copies ignored by
 * version); a deactivated account's strategies stop being evaluated (it can no
 * longer sign in to read or stop their alerts) until it is reactivated; a
 * deleted account takes its strategies, alerts, notifications and portfolios with it.
 */
export function accountEventHandlers(owners: OwnerListener): Record<string, BusEventHandler> {
  return {
    async [ACCOUNT_CHANGED](event: BusEvent, em: EntityManager) {
      const account = event.payload as unknown as AccountChangedEvent;
      // One statement: the copy is replaced unless newer, and the status it held comes back (the CTE reads
      // the row as it was before the statement; the bus applies one account's events one at a time).
      const [changed] = await em.execute<{ before: string | null }[]>(
        `WITH previous AS (SELECT status FROM accounts WHERE id = ?)
         INSERT INTO accounts (id, email, status, version) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET email = excluded.email, status = excluded.status, version = excluded.version
         WHERE accounts.version < excluded.version
         RETURNING (SELECT status FROM previous) AS before`,
        [account.id, account.id, account.email, account.status, account.version],
      );
      // An older copy delivered again changes nothing, the evaluation included.
      if (!changed) return;
      // Changed after its deletion (bus order keeps one account's events in the order they were made):
      // the account has come back (only the first admin's id does, made again by its operator).
      await em.execute('DELETE FROM deleted_owners WHERE id = ?', [account.id]);
      // The strategies of a deactivated account stay stored but are not evaluated until it is reactivated.
      if (account.status === DEACTIVATED) owners.strategiesRemoved(account.id);
      else if (changed.before === DEACTIVATED) owners.strategiesRestored(account.id);
    },

    async [ACCOUNT_DELETED](event: BusEvent, em: EntityManager) {
      const { id } = event.payload as unknown as AccountDeletedEvent;
      // A strategy or portfolio being created for them at this moment is either removed here or refused.
      await lockOwner(em, id);
      await em.execute('DELETE FROM notifications WHERE owner_id = ?', [id]);
      // Locked in id order first, as evaluation locks the strategies it writes for (writeOutcomes): neither
      // then holds one the other waits for while it waits for another.
      await em.execute('SELECT 1 FROM strategies WHERE owner_id = ? ORDER BY id FOR UPDATE', [id]);
      // Alerts, deliveries and states go with their strategies (ON DELETE CASCADE).
      await em.execute('DELETE FROM strategies WHERE owner_id = ?', [id]);
      // Transactions go with their portfolios (ON DELETE CASCADE).
      await em.execute('DELETE FROM portfolios WHERE owner_id = ?', [id]);
      await em.execute('DELETE FROM applied_fills WHERE owner_id = ?', [id]);
      await em.execute('DELETE FROM alert_budget_spent WHERE owner_id = ?', [id]);
      await em.execute('DELETE FROM accounts WHERE id = ?', [id]);
      // Kept, so a fill announced after the deletion opens no portfolio again (orders-events.handler).
      await em.execute('INSERT INTO deleted_owners (id) VALUES (?) ON CONFLICT DO NOTHING', [id]);
      owners.strategiesRemoved(id);
    },
  };
}
