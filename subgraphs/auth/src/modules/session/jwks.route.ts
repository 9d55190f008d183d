import { Express } from 'express';
import { SIGNING_ALGORITHM, SigningKey } from '@herck/common';

export const JWKS_PATH = '/.well-known/jwks.json';

/** Publishes the public half of every signing key, so verifiers can follow a rotation by `kid`. */
export function serveJwks(app: Express, keys: SigningKey[]): void {
  const document = {
    keys: keys.map(({ kid, publicKey }) => ({ ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: SIGNING_ALGORITHM })),
  };
  app.get(JWKS_PATH, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(document);
  });
}
