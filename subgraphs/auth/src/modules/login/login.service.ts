import { createHash } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { clientKey, Orm, RateBudget, RateLimitedError, UnauthenticatedError } from '@herck/common';
import { Credential } from '../credential/credential.entity';
import { verifyPassword } from '../credential/password-hasher';
import { SessionService } from '../session/session.service';
import { AuthTokens } from '../session/session.types';

export interface LoginLimits {
  /** Sign-ins one client may try against one account per window before it is paused. */
  perAccountAndClient: number;
  /** Sign-ins against one account per window, all clients together. */
  perAccount: number;
  /** Sign-ins one client may try per window, whatever the names. */
  perClient: number;
  /** Counts are forgotten when the window ends: failures decay, and no pause outlasts it. */
  windowSeconds: number;
}

const INVALID = 'Invalid username, email or password';

/**
 * Password sign-in, throttled so guessing stays slow. Every attempt takes a
 * use from three budgets before the password is checked (an atomic count, so a
 * burst of simultaneous guesses gets no more checks than a slow series); a
 * successful sign-in gives them back. The budgets are per account — whichever
 * of its names was typed — and client, per account, and per client: one client
 * can pause its own attempts, but costs the account's shared budget no more
 * than its own small share.
 */
export class LoginService {
  private readonly accountAndClient: RateBudget;
  private readonly account: RateBudget;
  private readonly client: RateBudget;

  constructor(
    private readonly sessions: SessionService,
    orm: Orm,
    limits: LoginLimits,
  ) {
    const window = limits.windowSeconds;
    this.accountAndClient = new RateBudget(orm, { name: 'login-account-client', points: limits.perAccountAndClient, windowSeconds: window });
    this.account = new RateBudget(orm, { name: 'login-account', points: limits.perAccount, windowSeconds: window });
    this.client = new RateBudget(orm, { name: 'login-client', points: limits.perClient, windowSeconds: window });
  }

  async login(em: EntityManager, usernameOrEmail: string, password: string, client: string | null): Promise<AuthTokens> {
    const typed = usernameOrEmail.trim().slice(0, 254);
    // Found as the database folds case; counted (below) under one key per name in any case.
    const login = typed.toLowerCase();
    const credential = await em.getRepository(Credential).findByLogin(typed);
    // Unknown names are counted per name, the same way, so a pause reveals nothing.
    const subject = credential ? `account:${credential.accountId}` : `name:${createHash('sha256').update(login).digest('hex')}`;
    const from = clientKey(client);
    const keys = { accountAndClient: `${subject}|${from}`, account: subject, client: from };
    await this.reserveAttempt(keys);
    // Unknown names are checked against a decoy hash, so both answers take as long.
    const valid = await verifyPassword(credential?.passwordHash ?? null, password.slice(0, 1024));
    if (!valid || !credential?.canSignIn) throw new UnauthenticatedError(INVALID);
    await Promise.all([this.accountAndClient.reset(keys.accountAndClient), this.account.giveBack(keys.account), this.client.giveBack(keys.client)]);
    const verifiedHash = credential.passwordHash;
    return em.transactional(async (tx) => {
      const fresh = await this.sessions.lockAccount(tx, credential.accountId);
      // The password was checked against the hash read before; a reset or deactivation since then voids that check.
      if (!fresh || fresh.passwordHash !== verifiedHash || !fresh.canSignIn) throw new UnauthenticatedError(INVALID);
      fresh.lastLoginAt = new Date();
      return this.sessions.start(tx, fresh);
    });
  }

  /**
   * In this order, so that a client already paused for this account spends
   * nothing of the account's shared budget.
   */
  private async reserveAttempt(keys: { accountAndClient: string; account: string; client: string }): Promise<void> {
    for (const [budget, key] of [
      [this.accountAndClient, keys.accountAndClient],
      [this.client, keys.client],
      [this.account, keys.account],
    ] as const) {
      const outcome = await budget.take(key);
      if (!outcome.allowed) {
        throw new RateLimitedError(`Too many failed sign-ins; try again in ${outcome.retryAfterSeconds} seconds`, outcome.retryAfterSeconds);
      }
    }
  }
}
