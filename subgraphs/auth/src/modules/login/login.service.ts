import { createHash } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { clientKey, Logger, OneAtATime, Orm, RateBudget, RateLimitedError, UnauthenticatedError } from '@herck/common';
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
 * use from its budgets before the password is checked (an atomic count, so a
 * burst of simultaneous guesses gets no more checks than a slow series); a
 * successful sign-in gives them back.
 *
 * Budgets: the typed name's, from this client and from all, and the
 * client's (a known name and an unknown one pause alike); behind them, an
 * account is one budget whichever of its names is typed, from this client and
 * from all, so switching from a paused username to the account's email does
 * not double the guesses: it is paused too (which tells a client that has
 * paused an account that the address is that account's: the price of a pause
 * the issue wants said). Past any of them the attempt is
 * RATE_LIMITED, with the seconds to wait. One client can pause its own
 * attempts, but costs the account's shared budget no more than its own small
 * share.
 */
export class LoginService {
  private readonly nameAndClient: RateBudget;
  private readonly name: RateBudget;
  private readonly client: RateBudget;
  private readonly accountAndClient: RateBudget;
  private readonly account: RateBudget;
  private readonly attempts = new OneAtATime();

  constructor(
    private readonly sessions: SessionService,
    orm: Orm,
    limits: LoginLimits,
    private readonly logger: Logger,
    /** Applies the account events already on the bus (a rename answered a moment ago), waiting a bounded time. */
    private readonly catchUpEvents: () => Promise<void> = async () => undefined,
  ) {
    const window = limits.windowSeconds;
    this.nameAndClient = new RateBudget(orm, { name: 'login-name-client', points: limits.perAccountAndClient, windowSeconds: window });
    this.name = new RateBudget(orm, { name: 'login-name', points: limits.perAccount, windowSeconds: window });
    this.client = new RateBudget(orm, { name: 'login-client', points: limits.perClient, windowSeconds: window });
    this.accountAndClient = new RateBudget(orm, { name: 'login-account-client', points: limits.perAccountAndClient, windowSeconds: window });
    this.account = new RateBudget(orm, { name: 'login-account', points: limits.perAccount, windowSeconds: window });
  }

  async login(em: EntityManager, usernameOrEmail: string, password: string, client: string | null): Promise<AuthTokens> {
    const typed = usernameOrEmail.trim().slice(0, 254);
    // Found as the database folds case; counted (below) under one key per name in any case.
    const name = `name:${createHash('sha256').update(typed.toLowerCase()).digest('hex')}`;
    // A username or address changed a moment ago is already on the bus (account answers once it is):
    // applied first, for every sign-in alike, so that the new name works at once and no name's answer takes longer.
    await this.catchUpEvents();
    const credential = await em.getRepository(Credential).findByLogin(typed);
    // An unknown name is its own account.
    const subject = credential ? `account:${credential.accountId}` : name;
    const from = clientKey(client);
    const keys = { nameAndClient: `${name}|${from}`, name, client: from, accountAndClient: `${subject}|${from}`, account: subject };
    // One name's attempts from one client are checked one after the other: a success gives its uses back
    // before the next attempt takes one, so simultaneous correct sign-ins are not counted as failures,
    // and simultaneous guesses still get no more checks than a slow series.
    const signedIn = await this.attempts.run(keys.nameAndClient, async () => {
      await this.reserveAttempt(keys, credential?.accountId ?? null);
      // Unknown names are checked against a decoy hash, so every answer takes as long.
      const valid = await verifyPassword(credential?.passwordHash ?? null, password.slice(0, 1024));
      if (!valid || !credential?.canSignIn) throw new UnauthenticatedError(INVALID);
      await Promise.all([
        this.nameAndClient.reset(keys.nameAndClient),
        this.accountAndClient.reset(keys.accountAndClient),
        this.name.giveBack(keys.name),
        this.account.giveBack(keys.account),
        this.client.giveBack(keys.client),
      ]);
      return credential;
    });
    const verifiedHash = signedIn.passwordHash;
    return em.transactional(async (tx) => {
      const fresh = await this.sessions.lockAccount(tx, signedIn.accountId);
      // The password was checked against the hash read before; a reset or deactivation since then voids that check.
      if (!fresh || fresh.passwordHash !== verifiedHash || !fresh.canSignIn) throw new UnauthenticatedError(INVALID);
      fresh.lastLoginAt = new Date();
      return this.sessions.signIn(tx, fresh);
    });
  }

  /**
   * Takes the attempt from every budget, the client's own first, so that a client already paused
   * spends nothing of the budgets it shares with others; the first one spent refuses it (RATE_LIMITED).
   */
  private async reserveAttempt(keys: { nameAndClient: string; name: string; client: string; accountAndClient: string; account: string }, accountId: string | null): Promise<void> {
    for (const [budget, key] of [
      [this.nameAndClient, keys.nameAndClient],
      [this.accountAndClient, keys.accountAndClient],
      [this.client, keys.client],
      [this.name, keys.name],
      [this.account, keys.account],
    ] as const) {
      const outcome = await budget.take(key);
      if (!outcome.allowed) {
        // An account paused for every client is worth an operator's look (its owner is refused too): said once a window.
        const sharedBudget = budget === this.name || budget === this.account;
        if (sharedBudget && accountId && outcome.firstRefusal) this.logger.warn('sign-ins to an account are paused for every client by failed attempts', { accountId, retryAfterSeconds: outcome.retryAfterSeconds });
        throw new RateLimitedError(`Too many failed sign-ins; try again in ${outcome.retryAfterSeconds} seconds`, outcome.retryAfterSeconds);
      }
    }
  }
}
