import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { SIGNING_ALGORITHM, SigningKey, VerificationKey } from '../keys/key-material';
import { keyIdOf } from './token-key-id';

/**
 * Proof that someone confirmed an email address: account issues it after
 * `confirmEmail`, auth accepts it once in `setPassword`.
 */
export interface PasswordSetupClaims {
  accountId: string;
  username: string;
  email: string;
  /** The account version when the token was issued. */
  version: number;
  /** Single use: auth records it. */
  tokenId: string;
  issuedAt: Date;
  expiresAt: Date;
}

const ISSUER = 'herck-account';
const AUDIENCE = 'herck-auth:password-setup';

export function signPasswordSetupToken(
  key: SigningKey,
  claims: Omit<PasswordSetupClaims, 'tokenId' | 'issuedAt' | 'expiresAt'>,
  ttlMinutes: number,
): { token: string; expiresAt: Date } {
  const expiresAt = new Date(Date.now() + ttlMinutes * 60_000);
  const token = jwt.sign({ username: claims.username, email: claims.email, ver: claims.version }, key.privateKey, {
    algorithm: SIGNING_ALGORITHM,
    keyid: key.kid,
    issuer: ISSUER,
    audience: AUDIENCE,
    subject: claims.accountId,
    jwtid: randomUUID(),
    expiresIn: ttlMinutes * 60,
  });
  return { token, expiresAt };
}

/** The claims, or null for anything forged, expired or malformed. */
export function verifyPasswordSetupToken(keys: VerificationKey[], token: string): PasswordSetupClaims | null {
  const kid = keyIdOf(token);
  const key = keys.find((candidate) => candidate.kid === kid);
  if (!key) return null;
  try {
    const claims = jwt.verify(token, key.publicKey, { algorithms: [SIGNING_ALGORITHM], issuer: ISSUER, audience: AUDIENCE }) as jwt.JwtPayload;
    if (!claims.sub || !claims.jti || typeof claims.username !== 'string' || typeof claims.email !== 'string') return null;
    return {
      accountId: claims.sub,
      username: claims.username,
      email: claims.email,
      version: Number(claims.ver),
      tokenId: claims.jti,
      issuedAt: new Date((claims.iat ?? 0) * 1000),
      expiresAt: new Date((claims.exp ?? 0) * 1000),
    };
  } catch {
    return null;
  }
}
