import { EntityManager, LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { ADMIN_CHANGES_LOCK, ConflictError, isUuid, NotFoundError } from '@herck/common';
import { assertAnotherActiveAdmin } from '../admin/last-admin';
import { isAbandoned } from './abandoned-account';
import { accountChanged, accountDeleted } from './account-events';
import { Account, AccountStatus } from './account.entity';
import { UpdateAccountInput } from './account.input';
import { validName, validUsername } from './profile-rules';

/** Profile changes; each commits with the `account.*` event announcing it. */
export class AccountService {
  /**
   * `relayEvents` tries to put the change on the bus before the answer, so auth signs a new username in at once;
   * `catchUpEvents` applies what auth has put there (its roles): an admin made, or demoted, a moment ago counts as such;
   * `exclusively` makes changes that may end the last admin one at a time with auth's demotions (ADMIN_CHANGES_LOCK).
   */
  constructor(
    private readonly relayEvents: () => Promise<void>,
    private readonly catchUpEvents: () => Promise<void>,
    private readonly exclusively: <T>(name: string, work: () => Promise<T>) => Promise<T>,
  ) {}

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
    return this.exclusively(ADMIN_CHANGES_LOCK, async () => {
      // Before any row is locked: it may wait for the bus.
      await this.catchUpEvents();
      // `change` announces the deactivation on the bus before the lock goes.
      return this.change(em, id, async (account, tx) => {
        if (account.status === AccountStatus.ACTIVE) await assertAnotherActiveAdmin(tx, account.id);
        account.status = AccountStatus.DEACTIVATED;
        account.confirmationTokenHash = null;
        account.confirmationExpiresAt = null;
      });
    });
  }

  /**
   * Switches a deactivated account back on; its sessions stay ended, so its owner signs in again.
   * An account deactivated before its address was confirmed becomes ACTIVE without a password:
   * a password reset, mailed to that address, sets one (and so proves the address).
   */
  reactivate(em: EntityManager, id: string): Promise<Account> {
    return this.change(em, id, (account) => {
      if (account.status === AccountStatus.PENDING) throw new ConflictError('The account has not confirmed its email address yet: it is not deactivated');
      account.status = AccountStatus.ACTIVE;
    });
  }

  delete(em: EntityManager, id: string): Promise<void> {
    return this.exclusively(ADMIN_CHANGES_LOCK, async () => {
      await this.catchUpEvents();
      await em.transactional(async (tx) => {
        // Locked: of two simultaneous deletions one finds the account and the other NOT_FOUND, as in
        // a series (unlocked, both answered true and the deletion was announced twice).
        const account = await findAccount(tx, id, LockMode.PESSIMISTIC_WRITE);
        if (account.status === AccountStatus.ACTIVE) await assertAnotherActiveAdmin(tx, account.id);
        tx.remove(account);
        // Its copy of the roles goes with it (auth announces nothing more of a deleted account).
        await tx.execute('DELETE FROM account_roles WHERE account_id = ?', [account.id]);
        tx.persist(accountDeleted(account));
      });
      await this.relayEvents();
    });
  }

  private async change(em: EntityManager, id: string, apply: (account: Account, tx: EntityManager) => void | Promise<void>): Promise<Account> {
    const account = await em.transactional(async (tx) => {
      const found = await findAccount(tx, id, LockMode.PESSIMISTIC_WRITE);
      const before = changeableState(found);
      await apply(found, tx);
      // Nothing changed (an active account reactivated, an update to the same values): no new version,
      // which would make the password setup and reset links issued for this one useless, and no news.
      if (changeableState(found) === before) return found;
      found.version += 1;
      tx.persist(accountChanged(found));
      return found;
    });
    await this.relayEvents();
    return account;
  }
}

/** What a change may touch, in one comparable text. */
function changeableState({ username, email, firstName, lastName, status, confirmationTokenHash, confirmationExpiresAt }: Account): string {
  return JSON.stringify([username, email, firstName, lastName, status, confirmationTokenHash, confirmationExpiresAt?.getTime() ?? null]);
}

/**
 * The account an id names, or NOT_FOUND. An id that is not even a UUID names no account either:
 * NOT_FOUND as for `account(id)` and every other subgraph, not BAD_USER_INPUT, so a client sees one
 * answer for "no such account" however the id it holds is spelled.
 */
async function findAccount(tx: EntityManager, id: string, lockMode: LockMode): Promise<Account> {
  const account = isUuid(id) ? await tx.findOne(Account, { id }, { lockMode }) : null;
  if (!account) throw new NotFoundError('Account');
  return account;
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
