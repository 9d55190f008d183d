import crypto from 'node:crypto';
import { generateKeyPem, Logger, RunningSubgraph, signingKeyFrom, testEnvironment, TestEnvironment } from '@herck/common';
import { JWKS_PATH, readAuthConfig, startAuthService } from '../src';

describe('auth configuration', () => {
  it('refuses to start in production without its keys, naming every missing variable', () => {
    expect(() => readAuthConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/postgres' })).toThrow(
      /AUTH_SIGNING_PRIVATE_KEY[\s\S]*SETUP_TOKEN_PUBLIC_KEY/,
    );
  });
});

describe('JWKS', () => {
  let environment: TestEnvironment;
  let service: RunningSubgraph;
  const current = generateKeyPem();
  const previous = generateKeyPem();

  beforeAll(async () => {
    // Rotation: the new key first (it signs), the old one still published for tokens in flight.
    environment = testEnvironment({ AUTH_SIGNING_PRIVATE_KEY: `${current}\n${previous}` });
    service = await startAuthService(readAuthConfig(environment.env), new Logger('auth', 'error'));
  });
  afterAll(async () => {
    await service?.stop();
    await environment?.cleanUp();
  });

  it('publishes the public half of every signing key, without private parts, to anyone', async () => {
    const response = await fetch(new URL(JWKS_PATH, service.url));
    expect(response.status).toBe(200);
    const { keys } = (await response.json()) as { keys: Record<string, string>[] };
    const kids = [current, previous].map((pem) => signingKeyFrom(crypto.createPrivateKey(pem)).kid);
    expect(keys.map((key) => key.kid)).toEqual(kids);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key.d).toBeUndefined();
    }
  });
});
