import { EntityManager } from '@mikro-orm/postgresql';
import { arrayParameter, BusEvent, BusEventHandler, ROLES_CHANGED, RolesChangedEvent } from '@herck/common';

/**
 * Keeps a copy of every account's roles, applied in bus order (the newest set wins), to know who the admins are.
 *
 * Only for an account this service holds: auth may announce roles for an account deleted here a moment
 * before (ADMIN granted waits for no event: auth still had the account), and that copy would outlive the
 * deletion. The first admin is no exception: auth may make it an admin before this service's start-up has
 * written its account, so that start-up writes its roles itself (ensureFirstAdminAccount).
 */
export function rolesEventHandlers(): Record<string, BusEventHandler> {
  return {
    async [ROLES_CHANGED](event: BusEvent, em: EntityManager) {
      const { accountId, roles } = event.payload as unknown as RolesChangedEvent;
      // Locked against a deletion under way (it locks the row FOR UPDATE): it either ends first, and then
      // the account is gone here, or waits for this copy and deletes it with the account.
      const [account] = await em.execute<{ id: string }[]>('SELECT id FROM accounts WHERE id = ? FOR KEY SHARE', [accountId]);
      if (!account) return;
      await em.execute(
        `INSERT INTO account_roles (account_id, roles) VALUES (?, ?::text[])
         ON CONFLICT (account_id) DO UPDATE SET roles = EXCLUDED.roles`,
        [accountId, arrayParameter(roles)],
      );
    },
  };
}
