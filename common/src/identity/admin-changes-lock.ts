/**
 * The platform lock (withPlatformLock) held by every change that may leave no active admin: taking
 * the ADMIN role away, and deactivating or deleting an account, which different services make on
 * their copies of each other's data. Each holder applies the bus's events before its check and
 * puts its own change on the bus before it lets go, so two such changes at once cannot each count
 * the admin the other is removing.
 */
export const ADMIN_CHANGES_LOCK = 'herck:admin-changes';
