import { EntityManager } from '@mikro-orm/postgresql';
import { arrayParameter, BusEvent, BusEventHandler, ROLES_CHANGED, RolesChangedEvent } from '@herck/common';

/** Keeps a copy of every account's roles, applied in bus order (the newest set wins), to know who the admins are. */
export const rolesEventHandlers: Record<string, BusEventHandler> = {
  async [ROLES_CHANGED](event: BusEvent, em: EntityManager) {
    const { accountId, roles } = event.payload as unknown as RolesChangedEvent;
    await em.execute(
      `INSERT INTO account_roles (account_id, roles) VALUES (?, ?::text[])
       ON CONFLICT (account_id) DO UPDATE SET roles = EXCLUDED.roles`,
      [accountId, arrayParameter(roles)],
    );
  },
};
