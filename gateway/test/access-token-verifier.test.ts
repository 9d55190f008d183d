import crypto from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { GraphQLError } from 'graphql';
import { generateKeyPem, InternalTokenSigner, Logger, signingKeyFrom } from '@herck/common';
import { AccessTokenVerifier } from '../src/auth/access-token-verifier';
import { JwksKeyStore } from '../src/auth/jwks-key-store';
import { SessionStates } from '../src/auth/session-states';

const authKey = signingKeyFrom(crypto.createPrivateKey(generateKeyPem()));
const nextKey = signingKeyFrom(crypto.createPrivateKey(generateKeyPem()));
let publishedKeys = [authKey];
let sessionActive = true;
/** Auth's two routes the verifier uses: its public keys and the state of a session. */
const auth = http.createServer((req, res) => {
  const body = req.url!.startsWith('/jwks') ? { keys: publishedKeys.map((key) => ({ ...key.publicKey.export({ format: 'jwk' }), kid: key.kid })) } : { active: sessionActive, roles: ['USER'] };
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
});
let base: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => auth.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(auth.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => auth.close(resolve)));

const accessToken = (expiresInSeconds: number) =>
  jwt.sign({ sub: 'ada', sid: 'session-1' }, authKey.privateKey, { algorithm: 'ES256', keyid: authKey.kid, issuer: 'herck', audience: 'herck-api', expiresIn: expiresInSeconds });

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'accepted', (error: GraphQLError) => error.extensions.code);

describe('AccessTokenVerifier', () => {
  it('remembers a verified token until its expiry, by its own clock, and checks the session every time', async () => {
    let clock = Date.now();
    const logger = new Logger('test', 'error');
    const sessions = new SessionStates(`${base}/session`, new InternalTokenSigner(signingKeyFrom(crypto.createPrivateKey(generateKeyPem()))), 0, logger);
    const verifier = new AccessTokenVerifier(new JwksKeyStore(`${base}/jwks`, logger), 'herck', 'herck-api', sessions, () => clock);
    const token = accessToken(60);

    expect(await verifier.identify(`Bearer ${token}`)).toEqual({ accountId: 'ada', roles: ['USER'] });
    clock += 59_000;
    expect(await verifier.identify(`Bearer ${token}`)).toEqual({ accountId: 'ada', roles: ['USER'] });
    // Past its expiry the remembered token is refused.
    clock += 2_000;
    expect(await codeOf(verifier.identify(`Bearer ${token}`))).toBe('UNAUTHENTICATED');

    // A remembered signature does not outlive its session.
    const fresh = accessToken(60);
    clock = Date.now();
    expect(await codeOf(verifier.identify(`Bearer ${fresh}`))).toBe('accepted');
    sessionActive = false;
    expect(await codeOf(verifier.identify(`Bearer ${fresh}`))).toBe('UNAUTHENTICATED');
    sessionActive = true;
    // Nor does a tampered copy of a remembered token pass.
    expect(await codeOf(verifier.identify(`Bearer ${fresh.slice(0, -3)}abc`))).toBe('UNAUTHENTICATED');
  });

  it('refuses a token that lives longer than auth ever issues one (15 minutes), however well signed', async () => {
    const logger = new Logger('test', 'error');
    const sessions = new SessionStates(`${base}/session`, new InternalTokenSigner(signingKeyFrom(crypto.createPrivateKey(generateKeyPem()))), 0, logger);
    const verifier = new AccessTokenVerifier(new JwksKeyStore(`${base}/jwks`, logger), 'herck', 'herck-api', sessions);
    expect(await codeOf(verifier.identify(`Bearer ${accessToken(900)}`))).toBe('accepted');
    expect(await codeOf(verifier.identify(`Bearer ${accessToken(901)}`))).toBe('UNAUTHENTICATED');
    expect(await codeOf(verifier.identify(`Bearer ${accessToken(365 * 86_400)}`))).toBe('UNAUTHENTICATED');
    const withoutIssuedAt = jwt.sign({ sub: 'ada', sid: 'session-1' }, authKey.privateKey, { algorithm: 'ES256', keyid: authKey.kid, issuer: 'herck', audience: 'herck-api', expiresIn: 60, noTimestamp: true });
    expect(await codeOf(verifier.identify(`Bearer ${withoutIssuedAt}`))).toBe('UNAUTHENTICATED');
  });

  it('refuses a remembered token once auth no longer publishes the key that signed it', async () => {
    let clock = Date.now();
    const logger = new Logger('test', 'error');
    const sessions = new SessionStates(`${base}/session`, new InternalTokenSigner(signingKeyFrom(crypto.createPrivateKey(generateKeyPem()))), 0, logger);
    const keys = new JwksKeyStore(`${base}/jwks`, logger, { now: () => clock, maxAgeMs: 60_000, minRefreshIntervalMs: 0 });
    const verifier = new AccessTokenVerifier(keys, 'herck', 'herck-api', sessions, () => clock);
    publishedKeys = [authKey];
    const token = accessToken(900);
    expect(await codeOf(verifier.identify(`Bearer ${token}`))).toBe('accepted');
    try {
      // The key is withdrawn (it leaked; auth signs with another now): once the keys are fetched again, the token is refused.
      publishedKeys = [nextKey];
      clock += 60_000;
      let code = await codeOf(verifier.identify(`Bearer ${token}`));
      for (let tries = 0; code === 'accepted' && tries < 1_000; tries += 1) {
        await new Promise((resolve) => setImmediate(resolve));
        code = await codeOf(verifier.identify(`Bearer ${token}`));
      }
      expect(code).toBe('UNAUTHENTICATED');
    } finally {
      publishedKeys = [authKey];
    }
  });

  it('reads a session state cached for its interval, or asks auth again when the caller wants a fresher one (open sockets)', async () => {
    const logger = new Logger('test', 'error');
    const sessions = new SessionStates(`${base}/session`, new InternalTokenSigner(signingKeyFrom(crypto.createPrivateKey(generateKeyPem()))), 60_000, logger);
    const verifier = new AccessTokenVerifier(new JwksKeyStore(`${base}/jwks`, logger), 'herck', 'herck-api', sessions);
    const token = `Bearer ${accessToken(60)}`;
    expect(await codeOf(verifier.identify(token))).toBe('accepted');
    sessionActive = false;
    try {
      // Cached for a minute: a request reads the state from before the logout.
      expect(await codeOf(verifier.identify(token))).toBe('accepted');
      // A socket's check wants a state at most this old: auth is asked, and the logout seen.
      expect(await codeOf(verifier.identify(token, 0))).toBe('UNAUTHENTICATED');
    } finally {
      sessionActive = true;
    }
  });

  it("answers SERVICE_UNAVAILABLE, not UNAUTHENTICATED, for a good token while auth's keys cannot be fetched", async () => {
    const logger = new Logger('test', 'error');
    const unreachable = 'http://127.0.0.1:1';
    const sessions = new SessionStates(`${base}/session`, new InternalTokenSigner(signingKeyFrom(crypto.createPrivateKey(generateKeyPem()))), 0, logger);
    const verifier = new AccessTokenVerifier(new JwksKeyStore(`${unreachable}/jwks`, logger, { minRefreshIntervalMs: 0 }), 'herck', 'herck-api', sessions);
    const refused = await verifier.identify(`Bearer ${accessToken(60)}`).then(
      () => undefined,
      (error: GraphQLError) => error,
    );
    expect(refused?.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: new Map([['Retry-After', '1']]) } });
    // A token that is no token is refused as before, without asking auth.
    expect(await codeOf(verifier.identify('Bearer not-a-token'))).toBe('UNAUTHENTICATED');
  });

  it('refuses a token whose header says JWT and whose payload is no JSON (jsonwebtoken throws decoding it: it was a 500)', async () => {
    const logger = new Logger('test', 'error');
    const sessions = new SessionStates(`${base}/session`, new InternalTokenSigner(signingKeyFrom(crypto.createPrivateKey(generateKeyPem()))), 0, logger);
    const verifier = new AccessTokenVerifier(new JwksKeyStore(`${base}/jwks`, logger), 'herck', 'herck-api', sessions);
    const [header, , signature] = accessToken(60).split('.');
    const unreadable = `${header}.${Buffer.from('not json').toString('base64url')}.${signature}`;
    // jsonwebtoken signs with `"typ": "JWT"`, which is what makes its decode throw on such a payload.
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toMatchObject({ typ: 'JWT' });
    expect(await codeOf(verifier.identify(`Bearer ${unreadable}`))).toBe('UNAUTHENTICATED');
  });
});
