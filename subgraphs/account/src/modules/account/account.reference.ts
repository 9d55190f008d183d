import { NotFoundError, ReferenceResolvers } from '@herck/common';
import { AccountContext } from '../../context';
import { Account } from './account.entity';

/**
 * Other subgraphs refer to accounts by id. One that is not here — deleted a moment ago, the
 * subgraph referring to it (orders, analysis) not having applied the deletion yet — is NOT_FOUND,
 * never a made-up one. Resolved to null instead, its non-null fields (`owner { username }`) nulled
 * the answer up to `data: null` with no error at all: the gateway reports such nulls only in
 * `extensions.valueCompletion`, so a client listing orders while an admin deleted their owner got nothing.
 */
export const accountReferenceResolvers: ReferenceResolvers = {
  Account: {
    async __resolveReference(reference: Pick<Account, 'id'>, context: AccountContext): Promise<Account> {
      const account = await context.accountsById.load(reference.id);
      if (!account) throw new NotFoundError('Account');
      return account;
    },
  },
};
