import jwt from 'jsonwebtoken';
import { SIGNING_ALGORITHM, SigningKey, VerificationKey } from '../keys/key-material';
import { Identity, isRole } from './roles';

/** The header carrying the gateway's internal token to subgraphs. */
export const INTERNAL_TOKEN_HEADER = 'x-herck-internal-token';
const ISSUER = 'herck-gateway';

/**
 * Signs the identity the gateway established, for one subgraph (the audience),
 * valid for a short time so a leaked token is of little use.
 */
export class InternalTokenSigner {
  constructor(
    private readonly key: SigningKey,
    private readonly ttlSeconds = 60,
  ) {}

  /** `client` is the caller's network address, for the subgraphs' per-client limits. */
  sign(identity: Identity, audience: string, client?: string): string {
    const payload = { roles: identity.roles, ...(identity.accountId ? { sub: identity.accountId } : {}), ...(client ? { cip: client } : {}) };
    return jwt.sign(payload, this.key.privateKey, {
      algorithm: SIGNING_ALGORITHM,
      keyid: this.key.kid,
      issuer: ISSUER,
      audience,
      expiresIn: this.ttlSeconds,
    });
  }
}

/** What a valid internal token tells a subgraph: who is calling, and from where. */
export interface InternalCaller {
  identity: Identity;
  /** The client's network address as the gateway saw it; null when the gateway named none. */
  client: string | null;
}

/** Subgraph side: a request is served only with a valid internal token addressed to it. */
export class InternalTokenVerifier {
  private readonly keys: Map<string, VerificationKey>;

  constructor(
    keys: VerificationKey[],
    private readonly audience: string,
  ) {
    this.keys = new Map(keys.map((key) => [key.kid, key]));
  }

  /** Returns the caller, or null when the token is missing, forged, expired or for someone else. */
  verify(token: string | undefined): InternalCaller | null {
    if (!token) return null;
    const header = jwt.decode(token, { complete: true })?.header;
    const key = header?.kid ? this.keys.get(header.kid) : undefined;
    if (!key) return null;
    try {
      const claims = jwt.verify(token, key.publicKey, {
        algorithms: [SIGNING_ALGORITHM],
        issuer: ISSUER,
        audience: this.audience,
      }) as jwt.JwtPayload;
      const roles = Array.isArray(claims.roles) ? claims.roles.filter(isRole) : [];
      return {
        identity: { accountId: typeof claims.sub === 'string' ? claims.sub : null, roles },
        client: typeof claims.cip === 'string' ? claims.cip : null,
      };
    } catch {
      return null;
    }
  }
}
