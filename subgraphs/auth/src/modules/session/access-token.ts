import jwt from 'jsonwebtoken';
import { Role, SIGNING_ALGORITHM, SigningKey } from '@herck/common';

export interface AccessTokenSettings {
  key: SigningKey;
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

/**
 * A short-lived JWT the gateway verifies against auth's JWKS. `sid` names the
 * session (refresh-token family), so the gateway can tell when it has ended.
 */
export function signAccessToken(settings: AccessTokenSettings, accountId: string, roles: Role[], sessionId: string): { token: string; expiresAt: Date } {
  const issuedAt = Math.floor(Date.now() / 1000);
  const token = jwt.sign({ roles, sid: sessionId, iat: issuedAt }, settings.key.privateKey, {
    algorithm: SIGNING_ALGORITHM,
    keyid: settings.key.kid,
    issuer: settings.issuer,
    audience: settings.audience,
    subject: accountId,
    expiresIn: settings.ttlSeconds,
  });
  return { token, expiresAt: new Date((issuedAt + settings.ttlSeconds) * 1000) };
}
