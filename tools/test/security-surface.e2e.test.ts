import { TestPlatform, startTestPlatform } from './support/platform';

/** Attacks on the gateway's public surface (security audit): each refused with its documented status and code, nothing internal said. */
let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform?.stop());

describe('log download routes', () => {
  it('challenge a caller without a usable bearer token as RFC 6750 asks, like /graphql and /metrics do', async () => {
    for (const route of ['/logs/export', '/logs/archives/market_20261123T101500Z.log.gz']) {
      const anonymous = await fetch(new URL(route, platform.gatewayUrl));
      expect([route, anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([route, 401, 'Bearer']);
      const forged = await fetch(new URL(route, platform.gatewayUrl), { headers: { authorization: 'Bearer not.a.token' } });
      expect([route, forged.status, forged.headers.get('www-authenticate')]).toEqual([route, 401, 'Bearer error="invalid_token"']);
      expect(((await forged.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
    }
  });
});
