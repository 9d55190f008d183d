import { RequestHandler } from 'express';
import { InternalTokenVerifier, INTERNAL_TOKEN_HEADER } from '../identity/internal-token';

/**
 * Subgraphs serve only the gateway: a request without a valid internal token
 * (a direct call, a forged header, a user's own access token) is refused.
 */
export function requireInternalToken(verifier: InternalTokenVerifier): RequestHandler {
  return (req, res, next) => {
    const caller = verifier.verify(req.header(INTERNAL_TOKEN_HEADER));
    if (!caller) {
      res.status(401).json({
        errors: [{ message: 'This service accepts requests from the Herck gateway only', extensions: { code: 'UNAUTHENTICATED' } }],
      });
      return;
    }
    res.locals.caller = caller;
    next();
  };
}
