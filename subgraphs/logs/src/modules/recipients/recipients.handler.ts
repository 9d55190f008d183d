import { EntityManager } from '@mikro-orm/postgresql';
import {
  ACCOUNT_CHANGED,
  ACCOUNT_DELETED,
  AccountChangedEvent,
  AccountDeletedEvent,
  arrayParameter,
  BusEvent,
  BusEventHandler,
  ROLES_CHANGED,
  RolesChangedEvent,
} from '@herck/common';

/** Keeps who the admins are and where to mail them, from account's and auth's events. */
export const recipientEventHandlers: Record<string, BusEventHandler> = {
  async [ACCOUNT_CHANGED](event: BusEvent, em: EntityManager) {
    const account = event.payload as unknown as AccountChangedEvent;
    // Versioned: a stale copy of the account never overwrites a newer one.
    await em.execute(
      `INSERT INTO log_recipients (account_id, email, status, account_version) VALUES (?, ?, ?, ?)
       ON CONFLICT (account_id) DO UPDATE SET email = EXCLUDED.email, status = EXCLUDED.status, account_version = EXCLUDED.account_version
       WHERE log_recipients.account_version < EXCLUDED.account_version`,
      [account.id, account.email, account.status, account.version],
    );
  },
  async [ACCOUNT_DELETED](event: BusEvent, em: EntityManager) {
    const { id } = event.payload as unknown as AccountDeletedEvent;
    await em.execute('DELETE FROM log_recipients WHERE account_id = ?', [id]);
  },
  async [ROLES_CHANGED](event: BusEvent, em: EntityManager) {
    const { accountId, roles } = event.payload as unknown as RolesChangedEvent;
    await em.execute(
      `INSERT INTO log_recipients (account_id, roles) VALUES (?, ?::text[])
       ON CONFLICT (account_id) DO UPDATE SET roles = EXCLUDED.roles`,
      [accountId, arrayParameter(roles)],
    );
  },
};

/** The addresses of every active admin. */
export async function activeAdminEmails(em: EntityManager): Promise<string[]> {
  const rows = await em.execute<{ email: string }[]>(
    `SELECT email FROM log_recipients WHERE status = 'ACTIVE' AND email IS NOT NULL AND 'ADMIN' = ANY(roles) ORDER BY email`,
  );
  return rows.map((row) => row.email);
}
