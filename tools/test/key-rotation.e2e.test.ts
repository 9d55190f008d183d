import fs from 'node:fs';
import path from 'node:path';
import { readAuthConfig, startAuthService } from '@herck/auth';
import { generateKeyPem, Logger, RunningSubgraph } from '@herck/common';
import { MeDocument } from './support/operations.generated';
import { send } from './support/graphql-client';
import { startTestPlatform } from './support/platform';
import { logIn, signUp } from './support/users';

describe("auth's signing key rotated", () => {
  it('tokens signed with the new key are accepted at once, though the gateway fetched the keys a moment before', async () => {
    const platform = await startTestPlatform();
    let rotated: RunningSubgraph | undefined;
    try {
      // Signing up ends with `me`: the gateway has just fetched auth's keys.
      const user = await signUp(platform);
      const previousKey = fs.readFileSync(path.join(platform.env.HERCK_DATA_DIR!, 'keys', 'auth-signing.pem'), 'utf8');
      const port = new URL(platform.auth.url).port;
      await platform.auth.stop();
      // The new key signs; the previous one is still published, so tokens it signed stay valid.
      rotated = await startAuthService(readAuthConfig({ ...platform.env, AUTH_PORT: port, AUTH_SIGNING_PRIVATE_KEY: `${generateKeyPem()}\n${previousKey}` }), new Logger('auth', 'error'));

      const fresh = await logIn(platform, user.username, user.password);
      const me = await send(platform.gatewayUrl, MeDocument, {}, fresh.accessToken);
      expect({ status: me.status, errors: me.errors }).toEqual({ status: 200, errors: undefined });
      expect(me.data?.me?.id).toBe(user.accountId);
      const earlier = await send(platform.gatewayUrl, MeDocument, {}, user.accessToken);
      expect(earlier.data?.me?.id).toBe(user.accountId);
    } finally {
      await rotated?.stop();
      await platform.stop();
    }
  });
});
