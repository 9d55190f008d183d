import { ReferenceResolvers } from '@herck/common';
import { AccountContext } from '../../context';
import { Account } from './account.entity';

/** Other subgraphs refer to accounts by id; a missing account resolves to null, never a made-up one. */
export const accountReferenceResolvers: ReferenceResolvers = {
  Account: {
    __resolveReference(reference: Pick<Account, 'id'>, context: AccountContext): Promise<Account | null> {
      return context.accountsById.load(reference.id);
    },
  },
};
