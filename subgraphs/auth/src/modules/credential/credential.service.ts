import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { BadUserInputError, NotFoundError, requireUuid, Role, VerificationKey, verifyPasswordSetupToken } from '@herck/common';
import { SessionService } from '../session/session.service';
import { Credential } from './credential.entity';
import { hashPassword } from './password-hasher';
import { assertAcceptablePassword } from './password-policy';
import { UsedSetupToken } from './used-setup-token.entity';

export class CredentialService {
  constructor(
    private readonly setupTokenKeys: VerificationKey[],
    private readonly sessions: SessionService,
  ) {}

  /** Sets (or replaces) the password with a single-use token from `confirmEmail`; ends every open session. */
  async setPassword(em: EntityManager, token: string, password: string): Promise<void> {
    const claims = verifyPasswordSetupToken(this.setupTokenKeys, token);
    const invalid = new BadUserInputError('The password setup token is invalid, was already used or has expired', 'token');
    if (!claims) throw invalid;
    assertAcceptablePassword(password, [claims.username, claims.email.split('@')[0]!]);
    const passwordHash = await hashPassword(password);
    try {
      await em.transactional(async (tx) => {
        tx.create(UsedSetupToken, { tokenId: claims.tokenId, accountId: claims.accountId, expiresAt: claims.expiresAt });
        let credential = await tx.findOne(Credential, { accountId: claims.accountId });
        if (!credential) {
          // The token was issued for an active account whose event has not reached us yet.
          credential = tx.create(Credential, {
            accountId: claims.accountId,
            username: claims.username,
            email: claims.email,
            status: 'ACTIVE',
            accountVersion: claims.version,
          });
        }
        if (claims.version > credential.accountVersion) {
          // The token is newer than our copy: the account was confirmed after the last event we applied.
          Object.assign(credential, { username: claims.username, email: claims.email, status: 'ACTIVE', accountVersion: claims.version });
        }
        if (credential.status !== 'ACTIVE') throw invalid;
        credential.passwordHash = passwordHash;
        await tx.flush();
        await this.sessions.revokeAll(tx, claims.accountId);
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw invalid;
      throw error;
    }
  }

  async setRoles(em: EntityManager, accountId: string, roles: Role[]): Promise<Credential> {
    const credential = await em.findOne(Credential, { accountId: requireUuid(accountId, 'accountId') });
    if (!credential) throw new NotFoundError('Account');
    credential.roles = [...new Set(roles)];
    await em.flush();
    return credential;
  }
}
