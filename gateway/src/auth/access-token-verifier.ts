import jwt from 'jsonwebtoken';
import { GraphQLError } from 'graphql';
import { ANONYMOUS, Identity, isRole, SIGNING_ALGORITHM } from '@herck/common';
import { JwksKeyStore } from './jwks-key-store';

/** Turns the `Authorization` header into an identity; a bad token fails the request. */
export class AccessTokenVerifier {
  constructor(
    private readonly keys: JwksKeyStore,
    private readonly issuer: string,
    private readonly audience: string,
  ) {}

  async identify(authorization: string | undefined): Promise<Identity> {
    if (!authorization) return ANONYMOUS;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw rejected('The Authorization header must be "Bearer <access token>"');
    const token = match[1]!;
    const kid = jwt.decode(token, { complete: true })?.header.kid;
    const key = kid ? await this.keys.get(kid) : undefined;
    if (!key) throw rejected('Access token is invalid or expired');
    try {
      const claims = jwt.verify(token, key, { algorithms: [SIGNING_ALGORITHM], issuer: this.issuer, audience: this.audience }) as jwt.JwtPayload;
      if (!claims.sub) throw new Error('no subject');
      const roles = Array.isArray(claims.roles) ? claims.roles.filter(isRole) : [];
      return { accountId: claims.sub, roles };
    } catch {
      throw rejected('Access token is invalid or expired');
    }
  }
}

/** A bad token fails the whole request with HTTP 401, so clients know to refresh or sign in again. */
function rejected(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}
