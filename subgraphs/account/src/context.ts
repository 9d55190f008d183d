import DataLoader from 'dataloader';
import { isUuid, SubgraphContext } from '@herck/common';
import { Account } from './modules/account/account.entity';

export interface AccountContext extends SubgraphContext {
  /** Batches every account lookup of one request (references from other subgraphs included). */
  accountsById: DataLoader<string, Account | null>;
}

export function createAccountContext(base: SubgraphContext): AccountContext {
  const accountsById = new DataLoader<string, Account | null>(async (ids) => {
    const found = await base.em.find(Account, { id: { $in: ids.filter(isUuid) } });
    const byId = new Map(found.map((account) => [account.id, account]));
    return ids.map((id) => byId.get(id) ?? null);
  });
  return { ...base, accountsById };
}
