import jwt from 'jsonwebtoken';

/** What `connection_init` says about the caller. */
export type ConnectionAuthorization =
  | { kind: 'anonymous' }
  | { kind: 'bearer'; authorization: string }
  /** An Authorization that is no text (a number, an object): refused like a bad token, not taken as anonymous. */
  | { kind: 'malformed' };

/**
 * The `Authorization` value a graphql-ws client put in `connection_init`:
 * `{ Authorization }`, `{ authorization }` or, as some clients nest it,
 * `{ headers: { Authorization } }`, the name in any case as HTTP's header names.
 * None, or an empty one, means anonymous.
 */
export function authorizationFrom(params: Record<string, unknown> | undefined): ConnectionAuthorization {
  if (!params) return { kind: 'anonymous' };
  const headers = isRecord(params.headers) ? params.headers : {};
  const values = [params, headers].flatMap((source) => Object.entries(source).filter(([name]) => name.toLowerCase() === 'authorization').map(([, value]) => value));
  for (const value of values) {
    if (typeof value === 'string' && value.trim()) return { kind: 'bearer', authorization: value };
  }
  if (values.some((value) => value !== undefined && value !== null && typeof value !== 'string')) return { kind: 'malformed' };
  return { kind: 'anonymous' };
}

/**
 * When the bearer token stops being valid (epoch ms), read from its `exp`
 * claim. Only called once the verifier accepted the token, so the claim is
 * trusted; null when the token has none.
 */
export function tokenExpiry(authorization: string): number | null {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization.trim())?.[1];
  const claims = token ? jwt.decode(token, { json: true }) : null;
  return typeof claims?.exp === 'number' ? claims.exp * 1000 : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
