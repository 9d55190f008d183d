import { raw } from '@mikro-orm/core';
import { EntityRepository, FilterQuery, LockMode } from '@mikro-orm/postgresql';
import type { Account, AccountStatus } from './account.entity';

export interface AccountPageQuery {
  first: number;
  after?: { createdAt: Date; id: string };
  status?: AccountStatus;
  search?: string;
  /** Count every match too (totalCount): a scan of all of them, so only when asked. */
  withTotal: boolean;
}

export class AccountRepository extends EntityRepository<Account> {
  /**
   * Emails and usernames are matched regardless of case, folded by PostgreSQL on both sides as
   * the unique indexes fold them: JavaScript's toLowerCase folds letters a database in the C
   * locale does not (É), and then an address registered as typed could not be found again.
   */
  findByEmail(email: string, lockMode?: LockMode): Promise<Account | null> {
    return this.findOne({ [raw('lower(email)')]: raw('lower(?)', [email.trim()]) } as FilterQuery<Account>, lockMode ? { lockMode } : {});
  }

  findByUsername(username: string): Promise<Account | null> {
    return this.findOne({ [raw('lower(username)')]: raw('lower(?)', [username.trim()]) } as FilterQuery<Account>);
  }

  /** One page in registration order, plus one extra row to tell whether another page follows. */
  async page({ first, after, status, search, withTotal }: AccountPageQuery): Promise<{ accounts: Account[]; totalCount?: number }> {
    const filter = this.filterFor(status, search);
    const keyset = after
      ? { $or: [{ createdAt: { $gt: after.createdAt } }, { createdAt: after.createdAt, id: { $gt: after.id } }] }
      : {};
    const [accounts, totalCount] = await Promise.all([
      this.find({ $and: [filter, keyset] } as FilterQuery<Account>, { orderBy: { createdAt: 'asc', id: 'asc' }, limit: first + 1 }),
      withTotal ? this.count(filter as FilterQuery<Account>) : undefined,
    ]);
    return { accounts, totalCount };
  }

  private filterFor(status?: AccountStatus, search?: string): object {
    const filter: Record<string, unknown> = {};
    if (status) filter.status = status;
    if (search) {
      const like = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      filter.$or = ['username', 'email', 'firstName', 'lastName'].map((field) => ({ [field]: { $ilike: like } }));
    }
    return filter;
  }
}
