import { EntityManager } from '@mikro-orm/postgresql';
import { ConflictError, LAST_ADMIN_REFUSAL } from '@herck/common';

/**
 * Refuses to deactivate or delete the last active admin, as auth refuses to take its role: no one
 * could make another admin but an operator on the server (admin:create). Roles are account's copy
 * of auth's (`auth.roles-changed`): the caller applies what is on the bus before its transaction.
 * Such changes take one lock, one after the other, so two admins removing each other here at once
 * cannot both succeed.
 */
export async function assertAnotherActiveAdmin(tx: EntityManager, accountId: string): Promise<void> {
  await tx.execute("SELECT pg_advisory_xact_lock(hashtext('herck:account:admins'))");
  const [found] = await tx.execute<{ admin: boolean; others: number }[]>(
    `SELECT EXISTS (SELECT 1 FROM account_roles WHERE account_id = ? AND 'ADMIN' = ANY(roles)) AS admin,
            (SELECT count(*)::int FROM accounts JOIN account_roles ON account_roles.account_id = accounts.id
              WHERE 'ADMIN' = ANY(account_roles.roles) AND accounts.status = 'ACTIVE' AND accounts.id <> ?) AS others`,
    [accountId, accountId],
  );
  if (found!.admin && found!.others === 0) throw new ConflictError(LAST_ADMIN_REFUSAL);
}
