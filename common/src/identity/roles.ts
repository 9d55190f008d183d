/** Roles a caller can hold. New accounts are USER; admins grant the others. */
export const ROLES = ['USER', 'ANALYST', 'ADMIN'] as const;

/** Why the last active admin keeps its role and its account: no one could make another but an operator on the server. */
export const LAST_ADMIN_REFUSAL = 'At least one active admin must remain: make another account an admin first';
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Who is calling: anonymous callers have no account and no roles. */
export interface Identity {
  accountId: string | null;
  roles: Role[];
}

export const ANONYMOUS: Identity = Object.freeze({ accountId: null, roles: [] }) as Identity;

export function hasAnyRole(identity: Identity, required: readonly Role[]): boolean {
  return required.some((role) => identity.roles.includes(role));
}
