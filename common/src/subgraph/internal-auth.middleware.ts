import { InternalTokenVerifier, INTERNAL_TOKEN_HEADER } from '../identity/internal-token';
import { PlainHandler, requestHeader, sendJson } from '../server/plain-http';

/**
 * Subgraphs serve only the gateway: a request without a valid internal token
 * (a direct call, a forged header, a user's own access token) is refused.
 */
export function requireInternalToken(verifier: InternalTokenVerifier): PlainHandler {
  return (req, res, next) => {
    const caller = verifier.verify(requestHeader(req, INTERNAL_TOKEN_HEADER));
    if (!caller) {
      sendJson(res, 401, { errors: [{ message: 'This service accepts requests from the Herck gateway only', extensions: { code: 'UNAUTHENTICATED' } }] });
      return;
    }
    res.locals.caller = caller;
    next();
  };
}
