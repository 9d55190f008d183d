import { EntityManager, LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { BadUserInputError, Mail, Mailer, normaliseEmail, OneAtATime, signPasswordSetupToken, SubgraphRuntime } from '@herck/common';
import { isAbandoned } from '../account/abandoned-account';
import { AccountConfig } from '../../env';
import { accountChanged, accountDeleted } from '../account/account-events';
import { Account, AccountStatus } from '../account/account.entity';
import { validName, validUsername } from '../account/profile-rules';
import { EmailConfirmation } from './registration.types';
import { hashConfirmationToken, newConfirmationToken } from './confirmation-token';
import { MailLimiter, mailboxKey } from './mail-limits';
import { registrationMails } from './registration-mails';
import { RegisterInput } from './registration.input';

type RegistrationProfile = Pick<Account, 'username' | 'email' | 'firstName' | 'lastName'>;

/** A registration that lost a race for its name or address tries again: each retry sees one more winner. */
const REGISTRATION_ATTEMPTS = 3;

/**
 * Registration never tells the caller whether an email or username is taken:
 * every outcome answers the same, and what differs goes to the mailbox of the
 * address given, which only its owner reads. Only input validation and the
 * client's budget are checked before the answer; the lookup, the write and the
 * mail run after it, so the response time does not tell the cases apart either.
 *
 * A pending registration expires at a fixed time after it was made
 * (`CONFIRMATION_TTL_MINUTES`): resending the link, or registering the address
 * again with other details, does not extend it, so a username cannot be held
 * forever without confirming.
 */
export class RegistrationService {
  /**
   * One mailbox's requests are worked through after their answers in the order they came: a
   * `resendConfirmation` sent the moment `register` answered otherwise ran its lookup before the
   * registration was written, found no pending account and mailed nothing (half the time).
   */
  private readonly mailboxes = new OneAtATime();

  constructor(
    private readonly config: AccountConfig,
    private readonly mailer: Mailer,
    private readonly limits: MailLimiter,
    private readonly runtime: Pick<SubgraphRuntime, 'orm' | 'publishEvents' | 'relayEvents' | 'background' | 'logger'>,
  ) {}

  async register(input: RegisterInput, client: string | null): Promise<void> {
    const profile: RegistrationProfile = {
      username: validUsername(input.username),
      email: normaliseEmail(input.email),
      firstName: validName(input.firstName, 'firstName'),
      lastName: validName(input.lastName, 'lastName'),
    };
    await this.limits.admitClient(client);
    this.mailAfterAnswer('registration', profile.email, async () => {
      const mail = await this.registration(profile);
      this.runtime.publishEvents();
      return mail;
    });
  }

  /**
   * The registration's transaction and the mail it calls for. A concurrent registration (or a
   * rename) that takes the name or address first fails this one's insert: it is run again, and
   * then sees the winner as any later registration would, so its registrant is told by mail.
   */
  private async registration(profile: RegistrationProfile, attemptsLeft = REGISTRATION_ATTEMPTS): Promise<Mail | null> {
    try {
      return await this.runtime.orm.em.fork().transactional(async (tx) => {
        const repository = tx.getRepository(Account);
        const byEmail = await repository.findByEmail(profile.email, LockMode.PESSIMISTIC_WRITE);
        const pending = byEmail && !isAbandoned(byEmail) ? byEmail : null;
        if (pending && pending.status !== AccountStatus.PENDING) {
          return pending.status === AccountStatus.DEACTIVATED ? registrationMails.deactivated(profile.email) : registrationMails.alreadyRegistered(profile.email);
        }
        const byUsername = await repository.findByUsername(profile.username);
        if (byUsername && byUsername !== byEmail && !isAbandoned(byUsername)) return registrationMails.usernameTaken(profile.email);
        // A registration never confirmed in time holds neither its address nor its username.
        for (const abandoned of new Set([byEmail, byUsername])) {
          if (!abandoned || abandoned === pending) continue;
          tx.remove(abandoned);
          tx.persist(accountDeleted(abandoned));
        }
        await tx.flush();
        // Registering again before confirming corrects the registration: the details given last
        // count (its first username is free again), under a new link; its expiry stays as it was.
        if (pending) return this.renewConfirmation(tx, Object.assign(pending, profile));
        const account = tx.create(Account, {
          ...profile,
          status: AccountStatus.PENDING,
          confirmationExpiresAt: new Date(Date.now() + this.config.confirmationTtlMinutes * 60_000),
        });
        return this.renewConfirmation(tx, account);
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException && attemptsLeft > 1) return this.registration(profile, attemptsLeft - 1);
      throw error;
    }
  }

  async resendConfirmation(rawEmail: string, client: string | null): Promise<void> {
    const email = normaliseEmail(rawEmail);
    await this.limits.admitClient(client);
    this.mailAfterAnswer('resend confirmation', email, async () => {
      const mail = await this.runtime.orm.em.fork().transactional(async (tx) => {
        const account = await tx.getRepository(Account).findByEmail(email, LockMode.PESSIMISTIC_WRITE);
        return account?.status === AccountStatus.PENDING && !isAbandoned(account) ? this.renewConfirmation(tx, account) : null;
      });
      this.runtime.publishEvents();
      return mail;
    });
  }

  /**
   * Mails an active account a link to choose a new password (forgotten
   * password, or a setup token lost after confirming). Same answer for any
   * address. Issuing the link bumps the account's version, which makes every
   * setup or reset token issued before it useless.
   */
  async requestPasswordReset(rawEmail: string, client: string | null): Promise<void> {
    const email = normaliseEmail(rawEmail);
    await this.limits.admitClient(client);
    this.mailAfterAnswer('password reset', email, async () => {
      const account = await this.runtime.orm.em.fork().transactional(async (tx) => {
        // Locked: two resets at once must get two versions, or both links would work.
        const found = await tx.getRepository(Account).findByEmail(email, LockMode.PESSIMISTIC_WRITE);
        if (found?.status !== AccountStatus.ACTIVE) return null;
        found.version += 1;
        tx.persist(accountChanged(found));
        return found;
      });
      if (!account) return null;
      // On the bus before the mail goes: auth applies the new version before it takes any setup token
      // (credential.service), so once the link can arrive, the older tokens are refused.
      await this.runtime.relayEvents();
      const { token } = this.passwordSetupToken(account);
      const link = this.config.passwordResetUrl.replace('{token}', encodeURIComponent(token));
      return registrationMails.passwordReset(account.email, account.firstName, link, this.config.passwordSetupTtlMinutes);
    });
  }

  /**
   * Activates the account and hands out the single-use token to set a password
   * with. One conditional update: of simultaneous uses of a link, one wins.
   */
  async confirmEmail(em: EntityManager, token: string): Promise<EmailConfirmation> {
    const invalid = new BadUserInputError('This confirmation link is invalid, was already used or has expired', 'token');
    if (token.length > 200) throw invalid;
    const account = await em.transactional(async (tx) => {
      const [claimed] = await tx.execute<{ id: string }[]>(
        `UPDATE accounts SET status = 'ACTIVE', confirmation_token_hash = NULL, confirmation_expires_at = NULL, version = version + 1, updated_at = now()
         WHERE confirmation_token_hash = ? AND status = 'PENDING' AND confirmation_expires_at > now()
         RETURNING id`,
        [hashConfirmationToken(token)],
      );
      if (!claimed) throw invalid;
      const confirmed = await tx.findOneOrFail(Account, { id: claimed.id });
      tx.persist(accountChanged(confirmed));
      return confirmed;
    });
    this.runtime.publishEvents();
    const { token: passwordSetupToken, expiresAt } = this.passwordSetupToken(account);
    return { passwordSetupToken, expiresAt };
  }

  /** After the answer: a mailbox over its hourly budget gets nothing, and nothing is written for it. */
  private mailAfterAnswer(name: string, recipient: string, compose: () => Promise<Mail | null>): void {
    const mailbox = mailboxKey(recipient);
    // Each waits for the one before (a mail server that never answers holds each for its 20 s time-out, and
    // shutdown waits for them all): more than a mailbox may get in an hour could not all be sent anyway.
    if (this.mailboxes.pending(mailbox) >= this.limits.perRecipientPerHour) {
      this.runtime.logger.info('mail not sent: the recipient had enough mail this hour', { kind: name, waiting: this.limits.perRecipientPerHour });
      return;
    }
    this.runtime.background(name, () => this.mailboxes.run(mailbox, async () => {
      if (!(await this.limits.admitRecipient(recipient))) {
        this.runtime.logger.info('mail not sent: the recipient had enough mail this hour', { kind: name });
        return;
      }
      let sent = false;
      try {
        const mail = await compose();
        if (mail) {
          await this.mailer.send(mail);
          sent = true;
        }
      } finally {
        // Nothing sent (a resend for an active account, a reset for none; or the mail server away or
        // refusing it): the mailbox's allowance was not used. Kept, it would let anyone block the owner's
        // own reset mails, and leave the owner no mail for the hour after a mail server outage.
        if (!sent) await this.limits.releaseRecipient(recipient).catch((error: unknown) => this.runtime.logger.warn('mail allowance not given back', { kind: name, error }));
      }
    }));
  }

  private passwordSetupToken(account: Account): { token: string; expiresAt: Date } {
    return signPasswordSetupToken(
      this.config.setupTokenKey,
      { accountId: account.id, username: account.username, email: account.email, version: account.version },
      this.config.passwordSetupTtlMinutes,
    );
  }

  /** A new link for a pending account; the registration's own expiry stays as it was. */
  private renewConfirmation(em: EntityManager, account: Account): Mail {
    const { token, hash } = newConfirmationToken();
    account.confirmationTokenHash = hash;
    account.version += 1;
    em.persist(account);
    em.persist(accountChanged(account));
    const link = this.config.confirmationUrl.replace('{token}', encodeURIComponent(token));
    return registrationMails.confirmation(account.email, account.firstName, link, account.confirmationExpiresAt!);
  }
}
