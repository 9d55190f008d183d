import { InternalTokenVerifier, INTERNAL_TOKEN_HEADER } from '../identity/internal-token';
import { PlainHandler, requestHeader } from '../server/plain-http';
import { answerRouteError } from '../server/route-error';

/**
 * Subgraphs serve only the gateway: a request without a valid internal token
 * (a direct call, a forged header, a user's own access token) is refused.
 */
export function requireInternalToken(verifier: InternalTokenVerifier): PlainHandler {
  return (req, res, next) => {
    const caller = verifier.verify(requestHeader(req, INTERNAL_TOKEN_HEADER));
    if (!caller) {
      answerRouteError(res, 401, 'UNAUTHENTICATED', 'This service accepts requests from the Herck gateway only');
      return;
    }
    res.locals.caller = caller;
    next();
  };
}
