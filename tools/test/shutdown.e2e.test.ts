import { LoginDocument } from './support/operations.generated';
import { codes, send } from './support/graphql-client';
import { startTestPlatform } from './support/platform';
import { signUp } from './support/users';

describe('stopping a subgraph', () => {
  it('finishes the requests in flight, then refuses new ones', async () => {
    const platform = await startTestPlatform();
    try {
      const user = await signUp(platform);
      const logins = () => Array.from({ length: 4 }, () => send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: user.password }));
      // Open the gateway's connections to auth first, so the next logins reach auth at once.
      await Promise.all(logins());
      // A login takes tens of milliseconds (argon2): stop auth while these are running there.
      const inFlight = logins();
      await new Promise((resolve) => setTimeout(resolve, 10));
      await platform.auth.stop();
      for (const response of await Promise.all(inFlight)) expect(response.data?.login.accessToken).toEqual(expect.any(String));

      const after = await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: user.password });
      expect(codes(after)).toEqual(['INTERNAL_SERVER_ERROR']);
    } finally {
      await platform.stop();
    }
  });
});
