import { setTimeout as delay } from 'node:timers/promises';
import { EntityManager, LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import {
  ADMIN_CHANGES_LOCK,
  LAST_ADMIN_REFUSAL,
  BadUserInputError,
  ConflictError,
  isUuid,
  NotFoundError,
  PasswordSetupClaims,
  Role,
  SubgraphRuntime,
  VerificationKey,
  verifyPasswordSetupToken,
} from '@herck/common';
import { SessionService } from '../session/session.service';
import { Credential } from './credential.entity';
import { rolesChanged } from './roles-events';
import { DeletedAccount } from './deleted-account.entity';
import { hashPassword } from './password-hasher';
import { assertAcceptablePassword } from './password-policy';
import { UsedSetupToken } from './used-setup-token.entity';

/** How long `setPassword` waits for the account event that announced the token's account version. */
const CATCH_UP_MS = 5_000;

export class CredentialService {
  constructor(
    private readonly setupTokenKeys: VerificationKey[],
    private readonly sessions: SessionService,
    private readonly runtime: Pick<SubgraphRuntime, 'catchUpEvents' | 'relayEvents' | 'exclusively'>,
  ) {}

  /**
   * Sets (or replaces) the password with a single-use token from `confirmEmail`
   * or a reset mail; ends every open session. The token is honoured only for an
   * account auth knows as ACTIVE at exactly the token's version: a token never
   * creates a credential, a deleted account stays deleted, and any later change
   * of the account (a newer token, a deactivation) makes older tokens useless.
   */
  async setPassword(em: EntityManager, token: string, password: string): Promise<void> {
    const claims = verifyPasswordSetupToken(this.setupTokenKeys, token);
    const invalid = new BadUserInputError('The password setup token is invalid, was already used or has expired', 'token');
    if (!claims) throw invalid;
    assertAcceptablePassword(password, [claims.username, claims.email.split('@')[0]!]);
    const passwordHash = await hashPassword(password);
    await this.catchUp(em, claims);
    try {
      await em.transactional(async (tx) => {
        tx.create(UsedSetupToken, { tokenId: claims.tokenId, accountId: claims.accountId, expiresAt: claims.expiresAt });
        const credential = await tx.findOne(Credential, { accountId: claims.accountId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!credential) throw invalid;
        if (credential.accountVersion < claims.version) throw new ConflictError('Your account is still being set up; try again in a few seconds');
        if (!redeemable(credential, claims)) throw invalid;
        credential.passwordHash = passwordHash;
        credential.passwordChangedAt = new Date();
        await tx.flush();
        await this.sessions.revokeAll(tx, claims.accountId);
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw invalid;
      throw error;
    }
  }

  async setRoles(em: EntityManager, accountId: string, roles: Role[]): Promise<Credential> {
    // No roles would leave an account that signs in and may read nothing, not even `me`.
    if (!roles.length) throw new BadUserInputError('roles must name at least one role (USER to take the others away)', 'roles');
    // Roles with ADMIN take it from no one. Roles without it may, so those are set one at a time with
    // account's deactivations and deletions (ADMIN_CHANGES_LOCK), on auth's copy of the accounts brought
    // up to date first: an admin account ended a moment ago is no admin to leave behind.
    if (roles.includes('ADMIN')) return this.applyRoles(em, accountId, roles);
    return this.runtime.exclusively(ADMIN_CHANGES_LOCK, async () => {
      await this.runtime.catchUpEvents();
      return this.applyRoles(em, accountId, roles);
    });
  }

  private async applyRoles(em: EntityManager, accountId: string, roles: Role[]): Promise<Credential> {
    // An id that is not a UUID names no account: NOT_FOUND, as for an unknown one (and as `account(id)` answers).
    // The row locked first: simultaneous changes are made, and announced, one after the other, so the
    // last event on the bus is the last change (unlocked, another service's copy could keep an older set).
    const credential = await em.transactional(async (tx) => {
      const found = isUuid(accountId) ? await tx.findOne(Credential, { accountId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true }) : null;
      if (!found) throw new NotFoundError('Account');
      if (found.roles.includes('ADMIN') && !roles.includes('ADMIN')) await assertAnotherAdmin(tx, found.accountId);
      found.roles = [...new Set(roles)];
      tx.persist(rolesChanged(found));
      await tx.flush();
      return found;
    });
    // On the bus before the answer (and before the lock goes): the services that act on roles (account, for its last admin) know at once.
    await this.runtime.relayEvents();
    return credential;
  }

  /**
   * Auth's copy of the account brought up to date with the bus: a reset requested since the token
   * was issued (its version on the bus before the reset mail goes) makes the token useless. And the
   * token may be a moment ahead of that copy (confirmEmail answers before its event arrives here):
   * wait, within a bound, for the event.
   */
  private async catchUp(em: EntityManager, claims: PasswordSetupClaims): Promise<void> {
    const deadline = Date.now() + CATCH_UP_MS;
    await this.runtime.catchUpEvents();
    for (;;) {
      const fresh = em.fork();
      const credential = await fresh.findOne(Credential, { accountId: claims.accountId });
      if (credential && credential.accountVersion >= claims.version) return;
      if (await fresh.findOne(DeletedAccount, { accountId: claims.accountId })) return;
      if (Date.now() > deadline) return;
      await this.runtime.catchUpEvents();
      await delay(50);
    }
  }
}

function redeemable(credential: Credential, claims: PasswordSetupClaims): boolean {
  // JWT times have whole seconds: a token from the second of the last change still counts as after it.
  const changedAt = credential.passwordChangedAt && Math.floor(credential.passwordChangedAt.getTime() / 1000) * 1000;
  return (
    credential.status === 'ACTIVE' &&
    credential.accountVersion === claims.version &&
    (changedAt === null || claims.issuedAt.getTime() >= changedAt)
  );
}

/**
 * Refuses to take ADMIN from the last active admin: no one could give it back but an operator on
 * the server (admin:create). Demotions of admins take one lock, one after the other, so two admins
 * taking it from each other at once cannot both succeed.
 */
async function assertAnotherAdmin(tx: EntityManager, accountId: string): Promise<void> {
  await tx.execute("SELECT pg_advisory_xact_lock(hashtext('herck:auth:admins'))");
  const [others] = await tx.execute<{ n: number }[]>("SELECT count(*)::int AS n FROM credentials WHERE 'ADMIN' = ANY(roles) AND status = 'ACTIVE' AND account_id <> ?", [accountId]);
  if (!others?.n) throw new ConflictError(LAST_ADMIN_REFUSAL);
}
