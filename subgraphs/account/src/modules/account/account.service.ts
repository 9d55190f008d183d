import { EntityManager, LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { ConflictError, NotFoundError, requireUuid } from '@herck/common';
import { isAbandoned } from './abandoned-account';
import { accountChanged, accountDeleted } from './account-events';
import { Account, AccountStatus } from './account.entity';
import { UpdateAccountInput } from './account.input';
import { validName, validUsername } from './profile-rules';

/** Profile changes; each commits with the `account.*` event announcing it. */
export class AccountService {
  constructor(private readonly publishEvents: () => void) {}

  async update(em: EntityManager, id: string, input: UpdateAccountInput): Promise<Account> {
    const changes = {
      ...(input.username != null && { username: validUsername(input.username) }),
      ...(input.firstName != null && { firstName: validName(input.firstName, 'firstName') }),
      ...(input.lastName != null && { lastName: validName(input.lastName, 'lastName') }),
    };
    try {
      return await this.change(em, id, async (account, tx) => {
        // A registration left unconfirmed past its expiry holds no name: it goes, as when someone registers.
        if (changes.username) await removeAbandonedHolder(tx, changes.username, account.id);
        Object.assign(account, changes);
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new ConflictError('That username is taken');
      throw error;
    }
  }

  deactivate(em: EntityManager, id: string): Promise<Account> {
    return this.change(em, id, (account) => {
      account.status = AccountStatus.DEACTIVATED;
      account.confirmationTokenHash = null;
      account.confirmationExpiresAt = null;
    });
  }

  async delete(em: EntityManager, id: string): Promise<void> {
    await em.transactional(async (tx) => {
      const account = await tx.findOne(Account, { id: requireUuid(id) });
      if (!account) throw new NotFoundError('Account');
      tx.remove(account);
      tx.persist(accountDeleted(account));
    });
    this.publishEvents();
  }

  private async change(em: EntityManager, id: string, apply: (account: Account, tx: EntityManager) => void | Promise<void>): Promise<Account> {
    const account = await em.transactional(async (tx) => {
      const found = await tx.findOne(Account, { id: requireUuid(id) }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!found) throw new NotFoundError('Account');
      await apply(found, tx);
      found.version += 1;
      tx.persist(accountChanged(found));
      return found;
    });
    this.publishEvents();
    return account;
  }
}

/** Deletes the abandoned registration holding `username`, if that is what holds it (announced like any deletion). */
async function removeAbandonedHolder(tx: EntityManager, username: string, selfId: string): Promise<void> {
  const holder = await tx.getRepository(Account).findByUsername(username);
  if (!holder || holder.id === selfId || !isAbandoned(holder)) return;
  tx.remove(holder);
  tx.persist(accountDeleted(holder));
  // Gone before the name is taken, inside this transaction.
  await tx.flush();
}
