import { EntityManager } from '@mikro-orm/postgresql';
import { ACCOUNT_CHANGED, ACCOUNT_DELETED, AccountChangedEvent, AccountDeletedEvent, BusEvent, BusEventHandler } from '@herck/common';
import { RefreshToken } from '../session/refresh-token.entity';
import { Credential } from './credential.entity';
import { DeletedAccount } from './deleted-account.entity';

/** Keeps the login names and status of every account current; a deactivated or deleted account loses its sessions. */
export const accountEventHandlers: Record<string, BusEventHandler> = {
  async [ACCOUNT_CHANGED](event: BusEvent, em: EntityManager) {
    const account = event.payload as unknown as AccountChangedEvent;
    if (await em.findOne(DeletedAccount, { accountId: account.id })) return;
    const credential = await em.findOne(Credential, { accountId: account.id });
    if (credential && credential.accountVersion >= account.version) return;
    const snapshot = { username: account.username, email: account.email, status: account.status, accountVersion: account.version };
    if (credential) Object.assign(credential, snapshot);
    else em.create(Credential, { accountId: account.id, ...snapshot });
    await em.flush();
    if (account.status !== 'ACTIVE') await revokeSessions(em, account.id);
  },

  async [ACCOUNT_DELETED](event: BusEvent, em: EntityManager) {
    const { id } = event.payload as unknown as AccountDeletedEvent;
    // Every deleted account gets its tombstone, a registration never confirmed too: a change made to it just
    // before its deletion can reach the bus after the deletion (account's transactions commit in another
    // order than their events were numbered), and without one it made the credential again, for good,
    // holding its username and address against whoever registers them next.
    await em.execute('INSERT INTO deleted_accounts (account_id) VALUES (?) ON CONFLICT DO NOTHING', [id]);
    await em.nativeDelete(Credential, { accountId: id });
    await em.nativeDelete(RefreshToken, { accountId: id });
  },
};

async function revokeSessions(em: EntityManager, accountId: string): Promise<void> {
  await em.nativeUpdate(RefreshToken, { accountId, revokedAt: null }, { revokedAt: new Date() });
}
