import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { BadUserInputError, Mail, Mailer, normaliseEmail, signPasswordSetupToken, SubgraphRuntime } from '@herck/common';
import { AccountConfig } from '../../env';
import { accountChanged, accountDeleted } from '../account/account-events';
import { Account, AccountStatus } from '../account/account.entity';
import { validName, validUsername } from '../account/profile-rules';
import { EmailConfirmation } from './registration.types';
import { hashConfirmationToken, newConfirmationToken } from './confirmation-token';
import { RegisterInput } from './registration.input';

/**
 * Registration never tells the caller whether an email or username is taken:
 * every outcome answers the same, and what differs goes to the mailbox of the
 * address given, which only its owner reads. Only input validation happens
 * before the answer; the lookup, the write and the mail run after it, so the
 * response time does not tell the cases apart either.
 */
export class RegistrationService {
  constructor(
    private readonly config: AccountConfig,
    private readonly mailer: Mailer,
    private readonly runtime: Pick<SubgraphRuntime, 'orm' | 'publishEvents' | 'background'>,
  ) {}

  register(input: RegisterInput): void {
    const profile = {
      username: validUsername(input.username),
      email: normaliseEmail(input.email),
      firstName: validName(input.firstName, 'firstName'),
      lastName: validName(input.lastName, 'lastName'),
    };
    this.runtime.background('registration', async () => {
      const mail = await this.runtime.orm.em
        .fork()
        .transactional(async (tx) => {
          const repository = tx.getRepository(Account);
          const byEmail = await repository.findByEmail(profile.email);
          if (byEmail?.status === AccountStatus.PENDING) return this.renewConfirmation(tx, byEmail);
          if (byEmail) return this.alreadyRegisteredMail(profile.email);
          const byUsername = await repository.findByUsername(profile.username);
          if (byUsername && !isAbandoned(byUsername)) return this.usernameTakenMail(profile.email, profile.username);
          if (byUsername) {
            // A registration never confirmed in time no longer holds its username.
            tx.remove(byUsername);
            tx.persist(accountDeleted(byUsername));
            await tx.flush();
          }
          const account = tx.create(Account, { ...profile, status: AccountStatus.PENDING });
          return this.renewConfirmation(tx, account);
        })
        .catch((error: unknown) => {
          // A concurrent registration took the name or address first: mail nothing.
          if (error instanceof UniqueConstraintViolationException) return null;
          throw error;
        });
      this.runtime.publishEvents();
      if (mail) await this.mailer.send(mail);
    });
  }

  resendConfirmation(rawEmail: string): void {
    const email = normaliseEmail(rawEmail);
    this.runtime.background('resend confirmation', async () => {
      const mail = await this.runtime.orm.em.fork().transactional(async (tx) => {
        const account = await tx.getRepository(Account).findByEmail(email);
        return account?.status === AccountStatus.PENDING ? this.renewConfirmation(tx, account) : null;
      });
      this.runtime.publishEvents();
      if (mail) await this.mailer.send(mail);
    });
  }

  /**
   * Mails an active account a link to choose a new password (forgotten
   * password, or a setup token lost after confirming). Same answer for any address.
   */
  requestPasswordReset(rawEmail: string): void {
    const email = normaliseEmail(rawEmail);
    this.runtime.background('password reset', async () => {
      const account = await this.runtime.orm.em.fork().getRepository(Account).findByEmail(email);
      if (account?.status !== AccountStatus.ACTIVE) return;
      const { token } = this.passwordSetupToken(account);
      const link = this.config.passwordResetUrl.replace('{token}', encodeURIComponent(token));
      await this.mailer.send({
        to: account.email,
        subject: 'Choose a new Herck password',
        text: `Hello ${account.firstName},\n\nChoose a new password for ${account.username}:\n\n${link}\n\nThe link works once and expires in ${this.config.passwordSetupTtlMinutes} minutes. If you did not ask for it, ignore this mail: your password stays as it is.\n`,
        link,
      });
    });
  }

  /** Activates the account and hands out the single-use token to set a password with. */
  async confirmEmail(em: EntityManager, token: string): Promise<EmailConfirmation> {
    const invalid = new BadUserInputError('This confirmation link is invalid, was already used or has expired', 'token');
    if (token.length > 200) throw invalid;
    const account = await em.transactional(async (tx) => {
      const found = await tx.findOne(Account, { confirmationTokenHash: hashConfirmationToken(token) });
      if (!found || found.status !== AccountStatus.PENDING || !found.confirmationExpiresAt || found.confirmationExpiresAt < new Date()) {
        throw invalid;
      }
      found.status = AccountStatus.ACTIVE;
      found.confirmationTokenHash = null;
      found.confirmationExpiresAt = null;
      found.version += 1;
      tx.persist(accountChanged(found));
      return found;
    });
    this.runtime.publishEvents();
    const { token: passwordSetupToken, expiresAt } = this.passwordSetupToken(account);
    return { passwordSetupToken, expiresAt };
  }

  private passwordSetupToken(account: Account): { token: string; expiresAt: Date } {
    return signPasswordSetupToken(
      this.config.setupTokenKey,
      { accountId: account.id, username: account.username, email: account.email, version: account.version },
      this.config.passwordSetupTtlMinutes,
    );
  }

  private renewConfirmation(em: EntityManager, account: Account): Mail {
    const { token, hash } = newConfirmationToken();
    account.confirmationTokenHash = hash;
    account.confirmationExpiresAt = new Date(Date.now() + this.config.confirmationTtlMinutes * 60_000);
    account.version += 1;
    em.persist(account);
    em.persist(accountChanged(account));
    const link = this.config.confirmationUrl.replace('{token}', encodeURIComponent(token));
    return {
      to: account.email,
      subject: 'Confirm your Herck account',
      text: `Hello ${account.firstName},\n\nConfirm your email address to finish registering as ${account.username}:\n\n${link}\n\nThe link works once and expires in ${Math.round(this.config.confirmationTtlMinutes / 60)} hours. If you did not register, ignore this mail.\n`,
      link,
    };
  }

  private alreadyRegisteredMail(email: string): Mail {
    return {
      to: email,
      subject: 'Your Herck account',
      text: 'Someone (probably you) tried to register with this address, but it already has a Herck account. Sign in instead. If it was not you, ignore this mail.\n',
    };
  }

  private usernameTakenMail(email: string, username: string): Mail {
    return {
      to: email,
      subject: 'Choose another Herck username',
      text: `The username "${username}" is not available. Register again with another username.\n`,
    };
  }
}

function isAbandoned(account: Account): boolean {
  return account.status === AccountStatus.PENDING && (!account.confirmationExpiresAt || account.confirmationExpiresAt < new Date());
}
