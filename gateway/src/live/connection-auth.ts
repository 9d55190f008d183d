import jwt from 'jsonwebtoken';

/**
 * The `Authorization` value a graphql-ws client put in `connection_init`:
 * `{ Authorization }`, `{ authorization }` or, as some clients nest it,
 * `{ headers: { Authorization } }`. Undefined means anonymous.
 */
export function authorizationFrom(params: Record<string, unknown> | undefined): string | undefined {
  if (!params) return undefined;
  const headers = isRecord(params.headers) ? params.headers : {};
  for (const value of [params.Authorization, params.authorization, headers.Authorization, headers.authorization]) {
    if (typeof value === 'string' && value.trim()) return value;
  }
  return undefined;
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
