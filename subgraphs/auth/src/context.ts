import DataLoader from 'dataloader';
import { batchById, SubgraphContext } from '@herck/common';
import { Credential } from './modules/credential/credential.entity';

export interface AuthContext extends SubgraphContext {
  /** Batches every credential lookup of one request (`_entities` included). */
  credentialsById: DataLoader<string, Credential | null>;
}

export function createAuthContext(base: SubgraphContext): AuthContext {
  const credentialsById = batchById(
    (ids) => base.em.find(Credential, { accountId: { $in: ids } }),
    (credential) => credential.accountId,
  );
  return { ...base, credentialsById };
}
