import { createHash, randomBytes } from 'node:crypto';

/** A mailed token: only its hash is stored, so a database leak confirms nothing. */
export function newConfirmationToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashConfirmationToken(token) };
}

export function hashConfirmationToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
