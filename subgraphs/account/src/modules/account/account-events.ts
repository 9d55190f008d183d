import { ACCOUNT_CHANGED, ACCOUNT_DELETED, AccountChangedEvent, AccountDeletedEvent, OutboxMessage } from '@herck/common';
import { Account } from './account.entity';

/** Persist with the change it announces (same flush, same transaction). */
export function accountChanged(account: Account): OutboxMessage {
  const payload: AccountChangedEvent = {
    id: account.id,
    username: account.username,
    email: account.email,
    status: account.status,
    version: account.version,
  };
  return new OutboxMessage(ACCOUNT_CHANGED, { ...payload });
}

export function accountDeleted(account: Account): OutboxMessage {
  const payload: AccountDeletedEvent = { id: account.id };
  return new OutboxMessage(ACCOUNT_DELETED, { ...payload });
}
