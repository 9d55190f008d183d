import { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError } from '@herck/common';

/**
 * Refuses to deactivate or delete the last active admin, as auth refuses to take its role: no one
 * could make another admin but an operator on the server (admin:create). Such changes take one lock,
 * one after the other, so two admins removing each other at once cannot both succeed. Roles come
 * from auth's events: before refusing, the ones already on the bus are applied (an admin made a
 * moment ago counts).
 */
export async function assertAnotherActiveAdmin(tx: EntityManager, accountId: string, catchUpEvents: () => Promise<void>): Promise<void> {
  await tx.execute("SELECT pg_advisory_xact_lock(hashtext('herck:account:admins'))");
  if (await mayGo(tx, accountId)) return;
  await catchUpEvents();
  if (await mayGo(tx, accountId)) return;
  throw new ConflictError('At least one active admin must remain: make another account an admin first');
}

/** Whether the account is no admin, or another active account is one. */
async function mayGo(tx: EntityManager, accountId: string): Promise<boolean> {
  const [found] = await tx.execute<{ admin: boolean; others: number }[]>(
    `SELECT EXISTS (SELECT 1 FROM account_roles WHERE account_id = ? AND 'ADMIN' = ANY(roles)) AS admin,
            (SELECT count(*)::int FROM accounts JOIN account_roles ON account_roles.account_id = accounts.id
              WHERE 'ADMIN' = ANY(account_roles.roles) AND accounts.status = 'ACTIVE' AND accounts.id <> ?) AS others`,
    [accountId, accountId],
  );
  return !found!.admin || found!.others > 0;
}
