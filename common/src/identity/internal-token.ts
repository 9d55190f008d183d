import jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import { SIGNING_ALGORITHM, SigningKey, VerificationKey } from '../keys/key-material';
import { Identity, isRole, Role } from './roles';
import { keyIdOf } from './token-key-id';
import { VerifiedTokens } from './verified-tokens';

/** The header carrying the gateway's internal token to subgraphs. */
export const INTERNAL_TOKEN_HEADER = 'x-herck-internal-token';
const ISSUER = 'herck-gateway';

/** Signed tokens remembered at once; beyond it the least recently used are forgotten. */
const CACHED_TOKENS = 10_000;
/**
 * The longest life a subgraph accepts: the gateway signs for a minute. A token without
 * an expiry or with a longer one is refused, so no token, however made, serves for good.
 */
const LONGEST_TOKEN_LIFE_SECONDS = 300;

/**
 * Signs the identity the gateway established, for one subgraph (the audience),
 * valid for a short time so a leaked token is of little use. A token serves
 * the same (identity, subgraph, client) for the first half of its life: steady
 * traffic signs once per caller and subgraph every half-minute, not per fetch.
 */
export class InternalTokenSigner {
  private readonly signed = new LRUCache<string, { token: string; renewAt: number }>({ max: CACHED_TOKENS });

  constructor(
    private readonly key: SigningKey,
    private readonly ttlSeconds = 60,
    private readonly now: () => number = Date.now,
  ) {}

  /** `client` is the caller's network address, for the subgraphs' per-client limits. */
  sign(identity: Identity, audience: string, client?: string): string {
    const cacheKey = [audience, identity.accountId ?? '', identity.roles.join(','), client ?? ''].join('\u0000');
    const now = this.now();
    const cached = this.signed.get(cacheKey);
    if (cached && now < cached.renewAt) return cached.token;
    const payload = { roles: identity.roles, ...(identity.accountId ? { sub: identity.accountId } : {}), ...(client ? { cip: client } : {}), iat: Math.floor(now / 1000) };
    const token = jwt.sign(payload, this.key.privateKey, {
      algorithm: SIGNING_ALGORITHM,
      keyid: this.key.kid,
      issuer: ISSUER,
      audience,
      expiresIn: this.ttlSeconds,
    });
    this.signed.set(cacheKey, { token, renewAt: now + (this.ttlSeconds * 1000) / 2 });
    return token;
  }
}

/** What a valid internal token tells a subgraph: who is calling, and from where. */
export interface InternalCaller {
  identity: Identity;
  /** The client's network address as the gateway saw it; null when the gateway named none. */
  client: string | null;
}

/**
 * Subgraph side: a request is served only with a valid internal token addressed
 * to it. A token string verified once is remembered until it expires, so the
 * signer's reuse of a token saves the subgraph its signature check too.
 */
export class InternalTokenVerifier {
  private readonly keys: Map<string, VerificationKey>;
  private readonly verified: VerifiedTokens<InternalCaller>;

  constructor(
    keys: VerificationKey[],
    private readonly audience: string,
    private readonly now: () => number = Date.now,
  ) {
    this.keys = new Map(keys.map((key) => [key.kid, key]));
    this.verified = new VerifiedTokens(now);
  }

  /** Returns the caller, or null when the token is missing, forged, expired or for someone else. */
  verify(token: string | undefined): InternalCaller | null {
    if (!token) return null;
    const known = this.verified.recall(token);
    if (known) return known;
    const verified = this.verifySignature(token);
    if (!verified) return null;
    this.verified.remember(token, verified.caller, verified.expiresAt);
    return verified.caller;
  }

  private verifySignature(token: string): { caller: InternalCaller; expiresAt: number } | null {
    const kid = keyIdOf(token);
    const key = kid ? this.keys.get(kid) : undefined;
    if (!key) return null;
    try {
      const claims = jwt.verify(token, key.publicKey, {
        algorithms: [SIGNING_ALGORITHM],
        issuer: ISSUER,
        audience: this.audience,
        clockTimestamp: Math.floor(this.now() / 1000),
      }) as jwt.JwtPayload;
      if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number' || claims.exp - claims.iat > LONGEST_TOKEN_LIFE_SECONDS) return null;
      const roles = Array.isArray(claims.roles) ? claims.roles.filter(isRole) : [];
      // Shared by every request that brings this token: frozen, so none can change it for the others.
      const caller: InternalCaller = Object.freeze({
        identity: Object.freeze({ accountId: typeof claims.sub === 'string' ? claims.sub : null, roles: Object.freeze(roles) as Role[] }),
        client: typeof claims.cip === 'string' ? claims.cip : null,
      });
      return { caller, expiresAt: claims.exp * 1000 };
    } catch {
      return null;
    }
  }
}
