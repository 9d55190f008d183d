import { raw } from '@mikro-orm/core';
import { EntityRepository, FilterQuery, LockMode } from '@mikro-orm/postgresql';
import { BadUserInputError } from '@herck/common';
import type { Account, AccountStatus } from './account.entity';

export interface AccountPageQuery {
  first: number;
  after?: { createdAt: Date; id: string };
  status?: AccountStatus;
  search?: string;
}

const SEARCHED_FIELDS = ['username', 'email', 'firstName', 'lastName'] as const;

/** An ILIKE pattern for text anywhere in a field, its own `%`, `_` and `\` taken literally. */
const containing = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

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
  page({ first, after, status, search }: AccountPageQuery): Promise<Account[]> {
    const keyset = after
      ? { $or: [{ createdAt: { $gt: after.createdAt } }, { createdAt: after.createdAt, id: { $gt: after.id } }] }
      : {};
    return this.find({ $and: [this.filterFor(status, search), keyset] } as FilterQuery<Account>, { orderBy: { createdAt: 'asc', id: 'asc' }, limit: first + 1 });
  }

  /** Every account the filter of a page matches (`totalCount`). */
  countMatching({ status, search }: Pick<AccountPageQuery, 'status' | 'search'>): Promise<number> {
    return this.count(this.filterFor(status, search) as FilterQuery<Account>);
  }

  /**
   * A search matches when each of its words is found in the username, email or one of the names:
   * "Ada Lovelace" finds the account whose first name is Ada and last name Lovelace, which no
   * single field holds. The trigram index finds the accounts holding a word of three characters
   * or more; shorter words only narrow those down (a search of short words alone reads every account).
   */
  private filterFor(status?: AccountStatus, search?: string): object {
    const conditions: object[] = status ? [{ status }] : [];
    for (const word of search ? searchWords(search) : []) conditions.push({ $or: SEARCHED_FIELDS.map((field) => ({ [field]: { $ilike: containing(word) } })) });
    if (conditions.length === 0) return {};
    return conditions.length === 1 ? conditions[0]! : { $and: conditions };
  }
}

/** Each word costs a pass of four patterns over what the others matched: a bounded number, each once. */
const MAX_SEARCH_WORDS = 8;

/** The search's words, each once whatever its case (kept as typed: PostgreSQL folds the case, see findByEmail). */
function searchWords(search: string): string[] {
  const words = new Map<string, string>();
  for (const word of search.split(/\s+/)) if (word && !words.has(word.toLowerCase())) words.set(word.toLowerCase(), word);
  if (words.size > MAX_SEARCH_WORDS) throw new BadUserInputError(`search has at most ${MAX_SEARCH_WORDS} different words`, 'search');
  return [...words.values()];
}
