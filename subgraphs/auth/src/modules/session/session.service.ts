import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { UnauthenticatedError } from '@herck/common';
import { Credential } from '../credential/credential.entity';
import { AccessTokenSettings, signAccessToken } from './access-token';
import { RefreshToken } from './refresh-token.entity';
import { AuthTokens } from './session.types';

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Issues, rotates and revokes sessions (access token + refresh token family).
 *
 * Everything that changes an account's sessions — a rotation, a logout, a
 * password change — first locks the account's credential row, so they happen
 * one at a time: a revocation that comes first has revoked the token a
 * rotation presents by the time the rotation reads it, and one that comes
 * after sees the successor the rotation wrote. (Without the lock, a logout
 * racing a refresh missed the successor, which went on working.)
 */
export class SessionService {
  constructor(
    private readonly accessTokens: AccessTokenSettings,
    private readonly refreshTtlDays: number,
    /** Sessions one account keeps (SESSIONS_PER_ACCOUNT). */
    private readonly perAccount: number,
  ) {}

  /**
   * A new session for a credential that just signed in, its row locked by the caller (lockAccount).
   * The account's least recently used sessions beyond the newest `perAccount` end with it: every
   * sign-in kept a session of its own for 30 days, so one client that knew a password made rows,
   * each a session the gateway checks, without end (40 sign-ins in 3 seconds, each a new one).
   */
  async signIn(tx: EntityManager, credential: Credential): Promise<AuthTokens> {
    // A session's usable token is its newest (unused): when it was made is when the session was last refreshed.
    await tx.execute(
      `UPDATE refresh_tokens SET revoked_at = now() WHERE revoked_at IS NULL AND family_id IN (
         SELECT family_id FROM refresh_tokens WHERE account_id = ? AND revoked_at IS NULL AND used_at IS NULL AND expires_at > now()
          ORDER BY created_at DESC, id OFFSET ?)`,
      [credential.accountId, this.perAccount - 1],
    );
    return this.start(tx, credential);
  }

  /** Tokens for a session, a new one or `familyId`'s next; persisted with the caller's flush. */
  private start(em: EntityManager, credential: Credential, familyId: string = randomUUID()): AuthTokens {
    const refreshToken = randomBytes(32).toString('base64url');
    const refreshExpiresAt = new Date(Date.now() + this.refreshTtlDays * 86_400_000);
    em.create(RefreshToken, { familyId, accountId: credential.accountId, tokenHash: hashToken(refreshToken), expiresAt: refreshExpiresAt });
    const access = signAccessToken(this.accessTokens, credential.accountId, credential.roles, familyId);
    return { accessToken: access.token, expiresAt: access.expiresAt, refreshToken, refreshExpiresAt, tokenType: 'Bearer' };
  }

  /** Swaps a refresh token for new tokens; a token used twice revokes its whole family. */
  async refresh(em: EntityManager, presented: string): Promise<AuthTokens> {
    const rejected = new UnauthenticatedError('Refresh token is invalid or expired; sign in again');
    const outcome = await em.transactional(async (tx) => {
      const found = presented.length <= 200 ? await tx.findOne(RefreshToken, { tokenHash: hashToken(presented) }) : null;
      if (!found) return null;
      const credential = await this.lockAccount(tx, found.accountId);
      // Read again under the lock: a logout or password change may have revoked it meanwhile.
      const token = await tx.findOne(RefreshToken, { id: found.id }, { refresh: true });
      if (!token || token.revokedAt) return null;
      // Already rotated: whoever presents it again holds a copy, and the family ends, even when the token
      // is past its own expiry (its family's newest token lives on; housekeeping keeps it as long).
      if (token.usedAt) {
        await this.revokeFamily(tx, token.familyId);
        return 'reused' as const;
      }
      if (token.expiresAt < new Date()) return null;
      // Claim the token atomically: of two concurrent uses, only one wins.
      const claimed = await tx.nativeUpdate(RefreshToken, { id: token.id, usedAt: null }, { usedAt: new Date() });
      if (claimed === 0) {
        await this.revokeFamily(tx, token.familyId);
        return 'reused' as const;
      }
      if (!credential?.canSignIn) {
        await this.revokeFamily(tx, token.familyId);
        return null;
      }
      return this.start(tx, credential, token.familyId);
    });
    if (outcome === 'reused') throw new UnauthenticatedError('Refresh token was already used; every session of this sign-in is revoked');
    if (!outcome) throw rejected;
    return outcome;
  }

  /** Ends the session the refresh token belongs to. Unknown tokens are ignored. */
  async logout(em: EntityManager, presented: string): Promise<void> {
    if (presented.length > 200) return;
    await em.transactional(async (tx) => {
      const token = await tx.findOne(RefreshToken, { tokenHash: hashToken(presented) });
      if (!token) return;
      await this.lockAccount(tx, token.accountId);
      await this.revokeFamily(tx, token.familyId);
    });
  }

  /** Ends every session of the account (inside the caller's transaction, when there is one). */
  async revokeAll(em: EntityManager, accountId: string): Promise<void> {
    await em.transactional(async (tx) => {
      await this.lockAccount(tx, accountId);
      await tx.nativeUpdate(RefreshToken, { accountId, revokedAt: null }, { revokedAt: new Date() });
    });
  }

  /**
   * The account's credential, locked until the transaction ends (see the class comment), read
   * afresh. Null when auth has no credential for the account (its sessions then lock nothing).
   */
  async lockAccount(tx: EntityManager, accountId: string): Promise<Credential | null> {
    return tx.findOne(Credential, { accountId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  }

  private async revokeFamily(em: EntityManager, familyId: string): Promise<void> {
    await em.nativeUpdate(RefreshToken, { familyId, revokedAt: null }, { revokedAt: new Date() });
  }
}
