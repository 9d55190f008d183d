import { Account, AccountStatus } from './account.entity';

/** A pending registration past its expiry: it no longer holds its username or address. */
export function isAbandoned(account: Account): boolean {
  return account.status === AccountStatus.PENDING && (!account.confirmationExpiresAt || account.confirmationExpiresAt < new Date());
}
