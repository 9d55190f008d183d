import jwt from 'jsonwebtoken';
import { GraphQLError } from 'graphql';
import { ANONYMOUS, Identity, isRole, keyIdOf, MAX_ACCESS_TOKEN_SECONDS, SIGNING_ALGORITHM, VerifiedTokens } from '@herck/common';
import { JwksKeyStore, SigningKeysUnavailableError } from './jwks-key-store';
import { SessionStates } from './session-states';

/**
 * Turns the `Authorization` header into an identity; a bad token is refused
 * (see `isTokenRejection`). A valid signature is not enough: the token's session must still
 * stand, and the roles are the account's current ones.
 */
export class AccessTokenVerifier {
  /**
   * Token strings whose signature checked out, until they expire: a client's
   * every request carries the same token, and an ES256 verification per request
   * is the gateway's largest fixed cost. The session is still checked each time,
   * and the key that signed it must still be one auth publishes.
   */
  private readonly verified: VerifiedTokens<{ sub: string; sid: string; kid: string }>;

  constructor(
    private readonly keys: JwksKeyStore,
    private readonly issuer: string,
    private readonly audience: string,
    private readonly sessions: SessionStates,
    private readonly now: () => number = Date.now,
  ) {
    this.verified = new VerifiedTokens(now);
  }

  async identify(authorization: string | undefined, sessionMaxAgeMs?: number): Promise<Identity> {
    if (!authorization) return ANONYMOUS;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw rejected('The Authorization header must be "Bearer <access token>"');
    const claims = await this.verify(match[1]!);
    const session = await this.sessions.get(claims.sub, claims.sid, sessionMaxAgeMs).catch(() => {
      throw unavailable();
    });
    if (!session.active) throw rejected('This session has ended; sign in again');
    return { accountId: claims.sub, roles: session.roles.filter(isRole) };
  }

  /** The token's account and session, from its signature or from having checked that signature before. */
  private async verify(token: string): Promise<{ sub: string; sid: string }> {
    const known = this.verified.recall(token);
    if (known && this.keys.publishes(known.kid)) return known;
    const kid = keyIdOf(token);
    const key = kid
      ? await this.keys.get(kid).catch((error: unknown) => {
          // Auth is unreachable and the key is not known yet: the token may be good, so not 401.
          throw error instanceof SigningKeysUnavailableError ? unavailable() : error;
        })
      : undefined;
    if (!key) throw rejected('Access token is invalid or expired');
    let claims: jwt.JwtPayload;
    try {
      claims = jwt.verify(token, key, { algorithms: [SIGNING_ALGORITHM], issuer: this.issuer, audience: this.audience, clockTimestamp: Math.floor(this.now() / 1000) }) as jwt.JwtPayload;
    } catch {
      throw rejected('Access token is invalid or expired');
    }
    if (!claims.sub || typeof claims.sid !== 'string' || typeof claims.exp !== 'number') throw rejected('Access token is invalid or expired');
    // Auth issues none living longer: one that does was not made by auth's own rules (a leaked key, say) and is not honoured.
    if (typeof claims.iat !== 'number' || claims.exp - claims.iat > MAX_ACCESS_TOKEN_SECONDS) throw rejected('Access token is invalid or expired');
    const verified = { sub: claims.sub, sid: claims.sid, kid: kid! };
    this.verified.remember(token, verified, claims.exp * 1000);
    return verified;
  }
}

/** How soon a client may try again after a 503 (auth is asked again at once then). */
const RETRY_AFTER_SECONDS = 1;

/** The token could not be checked (auth unreachable): the request fails with 503, and the client tries again. */
function unavailable(): GraphQLError {
  return new GraphQLError('Sign-in could not be checked; try again shortly', {
    extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: new Map([['Retry-After', String(RETRY_AFTER_SECONDS)]]) } },
  });
}

/**
 * A bad token: a request that needs a sign-in fails whole with HTTP 401, so clients know to refresh or
 * sign in again, with the challenge RFC 6750 asks of a refused bearer token.
 */
function rejected(message: string): GraphQLError {
  const headers = new Map([['www-authenticate', 'Bearer error="invalid_token"']]);
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers } } });
}

/** Whether `identify` refused the token itself (not: could not check it). */
export function isTokenRejection(error: unknown): error is GraphQLError {
  return error instanceof GraphQLError && error.extensions.code === 'UNAUTHENTICATED';
}
