import { ForbiddenError } from '../errors/app-errors';
import { hasAnyRole, Identity } from './roles';

/**
 * An account's own data is its owner's and the admins': each subgraph checks it for the
 * fields it holds, whatever the gateway let through. Ids compare in any letter case (UUIDs).
 */
export function assertOwnerOrAdmin(identity: Identity, accountId: string, refusal = 'You can only access your own account'): void {
  if (identity.accountId?.toLowerCase() !== accountId.toLowerCase() && !hasAnyRole(identity, ['ADMIN'])) {
    throw new ForbiddenError(refusal);
  }
}
