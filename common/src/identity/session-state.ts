import { Role } from './roles';

/** Where auth answers whether an access token's session still stands (gateway only). */
export const SESSION_STATE_PATH = '/internal/session-state';

/** Auth's answer: whether the session stands, and the account's current roles. */
export interface SessionState {
  active: boolean;
  roles: Role[];
}
