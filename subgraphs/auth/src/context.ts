import DataLoader from 'dataloader';
import { isUuid, SubgraphContext } from '@herck/common';
import { Credential } from './modules/credential/credential.entity';

export interface AuthContext extends SubgraphContext {
  /** Batches every credential lookup of one request (`_entities` included). */
  credentialsById: DataLoader<string, Credential | null>;
}

export function createAuthContext(base: SubgraphContext): AuthContext {
  const credentialsById = new DataLoader<string, Credential | null>(async (ids) => {
    const found = await base.em.find(Credential, { accountId: { $in: ids.filter(isUuid) } });
    const byId = new Map(found.map((credential) => [credential.accountId, credential]));
    return ids.map((id) => byId.get(id) ?? null);
  });
  return { ...base, credentialsById };
}
