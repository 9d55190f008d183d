import DataLoader from 'dataloader';
import { batchById, entitiesById, SubgraphContext } from '@herck/common';
import { Account } from './modules/account/account.entity';

export interface AccountContext extends SubgraphContext {
  /** Batches every account lookup of one request (references from other subgraphs included). */
  accountsById: DataLoader<string, Account | null>;
}

export function createAccountContext(base: SubgraphContext): AccountContext {
  const accountsById = batchById(
    (ids) => entitiesById(base.em, Account, ids),
    (account) => account.id,
  );
  return { ...base, accountsById };
}
