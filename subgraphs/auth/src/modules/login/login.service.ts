import { createHash } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { RateLimitedError, UnauthenticatedError } from '@herck/common';
import { Credential } from '../credential/credential.entity';
import { verifyPassword } from '../credential/password-hasher';
import { SessionService } from '../session/session.service';
import { AuthTokens } from '../session/session.types';
import { LoginThrottle } from './login-throttle.entity';

export interface ThrottleSettings {
  /** Failures allowed before sign-in is paused. */
  freeAttempts: number;
  /** The pause doubles with each further failure, up to this; it always ends. */
  maxLockSeconds: number;
}

const INVALID = 'Invalid username, email or password';

export class LoginService {
  constructor(
    private readonly sessions: SessionService,
    private readonly throttle: ThrottleSettings,
  ) {}

  async login(em: EntityManager, usernameOrEmail: string, password: string): Promise<AuthTokens> {
    const login = usernameOrEmail.trim().toLowerCase().slice(0, 254);
    const key = createHash('sha256').update(login).digest('hex');
    const throttle = await em.findOne(LoginThrottle, { key });
    if (throttle?.lockedUntil && throttle.lockedUntil > new Date()) {
      const retryAfterSeconds = Math.ceil((throttle.lockedUntil.getTime() - Date.now()) / 1000);
      throw new RateLimitedError(`Too many failed sign-ins; try again in ${retryAfterSeconds} seconds`, retryAfterSeconds);
    }
    const credential = await em.getRepository(Credential).findByLogin(login);
    // Unknown names are checked against a decoy hash, so both answers take as long.
    const valid = await verifyPassword(credential?.passwordHash ?? null, password.slice(0, 1024));
    if (!valid || !credential?.canSignIn) {
      await this.recordFailure(em, key);
      throw new UnauthenticatedError(INVALID);
    }
    return em.transactional(async (tx) => {
      await tx.nativeDelete(LoginThrottle, { key });
      const fresh = await tx.findOneOrFail(Credential, { accountId: credential.accountId });
      fresh.lastLoginAt = new Date();
      return this.sessions.start(tx, fresh);
    });
  }

  private async recordFailure(em: EntityManager, key: string): Promise<void> {
    const { freeAttempts, maxLockSeconds } = this.throttle;
    // One statement, so concurrent failures all count.
    await em.execute(
      `INSERT INTO login_throttles (key, failures, locked_until, updated_at) VALUES (?, 1, NULL, now())
       ON CONFLICT (key) DO UPDATE SET
         failures = login_throttles.failures + 1,
         locked_until = CASE WHEN login_throttles.failures + 1 >= ?
           THEN now() + least(power(2, login_throttles.failures + 1 - ?), ?) * interval '1 second'
           ELSE NULL END,
         updated_at = now()`,
      [key, freeAttempts, freeAttempts, maxLockSeconds],
    );
  }
}
