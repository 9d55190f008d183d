/**
 * Events the account subgraph publishes. Each carries the whole current state
 * with a version, so a consumer applies it idempotently and ignores stale copies.
 */
export const ACCOUNT_CHANGED = 'account.changed';
export const ACCOUNT_DELETED = 'account.deleted';

export type AccountLifecycleStatus = 'PENDING' | 'ACTIVE' | 'DEACTIVATED';

export interface AccountChangedEvent {
  id: string;
  username: string;
  email: string;
  status: AccountLifecycleStatus;
  version: number;
}

export interface AccountDeletedEvent {
  id: string;
}
