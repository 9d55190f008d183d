import { EntityManager, LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { firstAdminAccountId, Logger } from '@herck/common';
import { Credential } from '../credential/credential.entity';
import { DeletedAccount } from '../credential/deleted-account.entity';
import { rolesChanged } from '../credential/roles-events';
import { hashPassword, verifyPassword } from '../credential/password-hasher';
import { assertAcceptablePassword } from '../credential/password-policy';
import { RefreshToken } from '../session/refresh-token.entity';

export interface FirstAdmin {
  email: string;
  username: string;
  password: string;
  /** The account's id when known (admin:create reads it from the account store). */
  accountId?: string;
}

/**
 * Makes sure the configured first admin can sign in: ADMIN role and the
 * configured password. The account subgraph creates the profile with the same id.
 */
export async function ensureFirstAdminCredential(
  em: EntityManager,
  admin: FirstAdmin,
  logger: Logger,
): Promise<Credential> {
  assertAcceptablePassword(admin.password, [], { variants: false });
  let credential: Credential;
  try {
    credential = await upsertAdmin(em, admin);
  } catch (error) {
    // The account's own event created the credential meanwhile: now it is found by email.
    if (!(error instanceof UniqueConstraintViolationException)) throw error;
    credential = await upsertAdmin(em.fork(), admin);
  }
  logger.info('admin can sign in', { accountId: credential.accountId });
  return credential;
}

function upsertAdmin(em: EntityManager, admin: FirstAdmin): Promise<Credential> {
  return em.transactional(async (tx) => {
    const repository = tx.getRepository(Credential);
    const accountId = admin.accountId ?? firstAdminAccountId(admin.email);
    const existing = (await tx.findOne(Credential, { accountId })) ?? (await repository.findByEmail(admin.email));
    // Sessions start, rotate and end with the credential row locked (SessionService): a new password
    // ending them does too, so no refresh running meanwhile hands out a token that outlives it.
    if (existing) await tx.lock(existing, LockMode.PESSIMISTIC_WRITE);
    // The first admin deleted through the API and made again by its operator comes back under the
    // same id: auth follows that account again (kept as deleted, it ignored every later change to
    // it, a deactivation included).
    else await tx.nativeDelete(DeletedAccount, { accountId });
    const credential =
      existing ??
      tx.create(Credential, {
        accountId,
        // Names are unique: when a user holds this one, the account subgraph picks another,
        // and until its event arrives the admin signs in by email (an id is never a username).
        username: (await repository.findByLogin(admin.username)) ? accountId : admin.username,
        email: admin.email,
        status: 'ACTIVE',
        // Version 0: the account subgraph's first event for this account supersedes these names.
        accountVersion: 0,
      });
    credential.status = 'ACTIVE';
    const roles = [...new Set([...credential.roles, 'USER' as const, 'ADMIN' as const])];
    const rolesGrew = roles.length !== credential.roles.length;
    credential.roles = roles;
    if (rolesGrew) tx.persist(rolesChanged(credential));
    if (!(await verifyPassword(credential.passwordHash, admin.password))) {
      credential.passwordHash = await hashPassword(admin.password);
      credential.passwordChangedAt = new Date();
      // A new password ends every session, as setPassword's does: whoever held the old one is out.
      await tx.nativeUpdate(RefreshToken, { accountId: credential.accountId, revokedAt: null }, { revokedAt: new Date() });
    }
    return credential;
  });
}
