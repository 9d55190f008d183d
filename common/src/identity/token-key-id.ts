import jwt from 'jsonwebtoken';

/**
 * The `kid` a token's header names, or undefined for a token that names none or
 * cannot be read. jsonwebtoken's `decode` does not answer null for every malformed
 * token: one whose header says `"typ": "JWT"` and whose payload is no JSON makes it
 * throw, and such a token, free for anyone to make, was answered as a server failure
 * (500, or a closed socket) instead of a refused token.
 */
export function keyIdOf(token: string): string | undefined {
  try {
    const kid: unknown = jwt.decode(token, { complete: true })?.header.kid;
    return typeof kid === 'string' && kid !== '' ? kid : undefined;
  } catch {
    return undefined;
  }
}
