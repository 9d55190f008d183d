import jwt from 'jsonwebtoken';
import { SIGNING_ALGORITHM, SigningKey, VerificationKey } from '../keys/key-material';
import { keyIdOf } from './token-key-id';
import { VerifiedTokens } from './verified-tokens';

/** The header carrying a log shipper's token to the logs subgraph's ingest route. */
export const LOG_SHIPPING_TOKEN_HEADER = 'x-herck-log-token';
const ISSUER = 'herck-log-shipper';
const AUDIENCE = 'logs';
const TTL_SECONDS = 60;

/**
 * Signs short-lived tokens naming the shipping service, like the gateway's
 * internal tokens but with a key of its own: a service that may ship logs
 * cannot thereby speak to subgraphs as the gateway. One token serves for
 * half its life, so shipping does no signature per batch.
 */
export class LogShippingSigner {
  private cached?: { token: string; renewAt: number };

  constructor(
    private readonly key: SigningKey,
    private readonly service: string,
    private readonly now: () => number = Date.now,
  ) {}

  token(): string {
    const now = this.now();
    if (this.cached && now < this.cached.renewAt) return this.cached.token;
    const token = jwt.sign({ sub: this.service, iat: Math.floor(now / 1000) }, this.key.privateKey, {
      algorithm: SIGNING_ALGORITHM,
      keyid: this.key.kid,
      issuer: ISSUER,
      audience: AUDIENCE,
      expiresIn: TTL_SECONDS,
    });
    this.cached = { token, renewAt: now + (TTL_SECONDS / 2) * 1000 };
    return token;
  }
}

/**
 * The logs subgraph's side: the shipping service's name, or null for a missing,
 * forged or expired token. A shipper sends one token for half a minute, so a
 * token string verified once is remembered until it expires: no signature
 * check per batch either.
 */
export class LogShippingVerifier {
  private readonly keys: Map<string, VerificationKey>;
  private readonly verified: VerifiedTokens<{ service: string }>;

  constructor(
    keys: VerificationKey[],
    private readonly now: () => number = Date.now,
  ) {
    this.keys = new Map(keys.map((key) => [key.kid, key]));
    this.verified = new VerifiedTokens(now);
  }

  verify(token: string | undefined): string | null {
    if (!token) return null;
    const known = this.verified.recall(token);
    if (known) return known.service;
    const kid = keyIdOf(token);
    const key = kid ? this.keys.get(kid) : undefined;
    if (!key) return null;
    try {
      const claims = jwt.verify(token, key.publicKey, { algorithms: [SIGNING_ALGORITHM], issuer: ISSUER, audience: AUDIENCE, clockTimestamp: Math.floor(this.now() / 1000) }) as jwt.JwtPayload;
      if (typeof claims.sub !== 'string' || !claims.sub || typeof claims.exp !== 'number') return null;
      this.verified.remember(token, { service: claims.sub }, claims.exp * 1000);
      return claims.sub;
    } catch {
      return null;
    }
  }
}
