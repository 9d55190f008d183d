import DataLoader from 'dataloader';
import { batchById, entitiesById, SubgraphContext } from '@herck/common';
import { Credential } from './modules/credential/credential.entity';

export interface AuthContext extends SubgraphContext {
  /** Batches every credential lookup of one request (`_entities` included). */
  credentialsById: DataLoader<string, Credential | null>;
}

export function createAuthContext(base: SubgraphContext): AuthContext {
  const credentialsById = batchById(
    (ids) => entitiesById(base.em, Credential, ids),
    (credential) => credential.accountId,
  );
  return { ...base, credentialsById };
}
