/**
 * Events the auth subgraph publishes. Roles live in auth; a consumer that acts
 * on them (logs mails its archives to admins) keeps a copy from these events,
 * applied in bus order, so the newest copy wins.
 */
export const ROLES_CHANGED = 'auth.roles-changed';

export interface RolesChangedEvent {
  accountId: string;
  /** The account's whole set of roles now. */
  roles: string[];
}
