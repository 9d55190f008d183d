import { ConfirmEmailDocument, LoginDocument, LogoutDocument, MeDocument, RefreshTokenDocument, RegisterDocument, RequestPasswordResetDocument, SetPasswordDocument } from './support/operations.generated';
import { tokenInLink } from './support/smtp-mailbox';
import { codes, send } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { eventually, signUp, SignedUpUser, STRONG_PASSWORD } from './support/users';

/** Sessions one account keeps here: small, so that the oldest ending is seen. */
const SESSIONS_PER_ACCOUNT = 3;

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ SESSIONS_PER_ACCOUNT: String(SESSIONS_PER_ACCOUNT) });
});
afterAll(() => platform?.stop());

function claims(accessToken: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('access token', () => {
  it('is an ES256 JWT with kid, sub, roles, iss, aud, iat and exp at most 15 minutes away', async () => {
    const user = await signUp(platform);
    const header = JSON.parse(Buffer.from(user.accessToken.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(header).toMatchObject({ alg: 'ES256', kid: expect.any(String) });
    const payload = claims(user.accessToken);
    expect(payload).toMatchObject({ sub: user.accountId, sid: expect.any(String), roles: ['USER'], iss: 'herck-auth', aud: 'herck' });
    expect((payload.exp as number) - (payload.iat as number)).toBeLessThanOrEqual(900);
  });

  it('is refused by the gateway when tampered with or garbage', async () => {
    const user = await signUp(platform);
    const [head, , signature] = user.accessToken.split('.');
    const forgedBody = Buffer.from(JSON.stringify({ ...claims(user.accessToken), roles: ['ADMIN'] })).toString('base64url');
    for (const token of [`${head}.${forgedBody}.${signature}`, 'garbage']) {
      const response = await send(platform.gatewayUrl, MeDocument, {}, token);
      expect(response.status).toBe(401);
      expect(codes(response)).toEqual(['UNAUTHENTICATED']);
    }
  });
});

describe('refresh tokens', () => {
  let user: SignedUpUser;
  beforeAll(async () => {
    user = await signUp(platform);
  });

  it('rotate: each refresh returns a new pair, and the new access token works', async () => {
    const first = await send(platform.gatewayUrl, RefreshTokenDocument, { token: user.refreshToken });
    expect(first.data?.refreshToken.refreshToken).not.toBe(user.refreshToken);
    const me = await send(platform.gatewayUrl, MeDocument, {}, first.data!.refreshToken.accessToken);
    expect(me.data?.me?.id).toBe(user.accountId);
    const second = await send(platform.gatewayUrl, RefreshTokenDocument, { token: first.data!.refreshToken.refreshToken });
    expect(second.data?.refreshToken.accessToken).toEqual(expect.any(String));
  });

  it('presented again after rotation revokes the whole family', async () => {
    const session = await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: user.password });
    const original = session.data!.login.refreshToken;
    const rotated = await send(platform.gatewayUrl, RefreshTokenDocument, { token: original });
    const latest = rotated.data!.refreshToken.refreshToken;

    const replay = await send(platform.gatewayUrl, RefreshTokenDocument, { token: original });
    expect(codes(replay)).toEqual(['UNAUTHENTICATED']);
    // The thief's replay also killed the legitimate holder's newest token.
    expect(codes(await send(platform.gatewayUrl, RefreshTokenDocument, { token: latest }))).toEqual(['UNAUTHENTICATED']);
  });

  it('presented many times at once rotates once, and the reuse then revokes the whole family', async () => {
    const session = await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: user.password });
    const answers = await Promise.all(Array.from({ length: 10 }, () => send(platform.gatewayUrl, RefreshTokenDocument, { token: session.data!.login.refreshToken })));
    const winners = answers.filter((answer) => answer.data?.refreshToken);
    expect(winners).toHaveLength(1);
    expect(answers.flatMap(codes).sort()).toEqual(Array(9).fill('UNAUTHENTICATED'));
    // The other uses are reuse: the pair the winner got is revoked with its family (README: "presenting a used one revokes the whole session").
    expect(codes(await send(platform.gatewayUrl, RefreshTokenDocument, { token: winners[0]!.data!.refreshToken.refreshToken }))).toEqual(['UNAUTHENTICATED']);
  });

  it('logout revokes the session; other sessions live on', async () => {
    const a = (await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: user.password })).data!.login;
    const b = (await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: user.password })).data!.login;
    expect((await send(platform.gatewayUrl, LogoutDocument, { refreshToken: a.refreshToken })).data?.logout).toBe(true);
    expect(codes(await send(platform.gatewayUrl, RefreshTokenDocument, { token: a.refreshToken }))).toEqual(['UNAUTHENTICATED']);
    expect((await send(platform.gatewayUrl, RefreshTokenDocument, { token: b.refreshToken })).data?.refreshToken).toBeDefined();
    expect((await send(platform.gatewayUrl, LogoutDocument, { refreshToken: 'unknown' })).data?.logout).toBe(true);
    // Neither a token nor a signed-in caller: there is no session it could mean.
    expect(codes(await send(platform.gatewayUrl, LogoutDocument, {}))).toEqual(['UNAUTHENTICATED']);
    // An empty token names no session either: nothing ends, not even the caller's others.
    const c = (await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: user.password })).data!.login;
    expect((await send(platform.gatewayUrl, LogoutDocument, { refreshToken: '' }, c.accessToken)).data?.logout).toBe(true);
    expect((await send(platform.gatewayUrl, RefreshTokenDocument, { token: c.refreshToken })).errors).toBeUndefined();
  });

  it('logout without a refresh token ends every session of the signed-in caller', async () => {
    const a = (await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: user.password })).data!.login;
    const b = (await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: user.password })).data!.login;
    expect((await send(platform.gatewayUrl, LogoutDocument, {}, a.accessToken)).data?.logout).toBe(true);
    for (const session of [a, b]) {
      expect(codes(await send(platform.gatewayUrl, RefreshTokenDocument, { token: session.refreshToken }))).toEqual(['UNAUTHENTICATED']);
    }
  });
});

describe('sessions ended while they change', () => {
  const authSql = (text: string) => platform.auth.runtime.orm.em.fork().execute(text);

  /** Every write of a table in auth's store takes `seconds` longer: the window a race needs, held open. */
  async function withSlowWrites<T>(table: string, seconds: number, run: () => Promise<T>): Promise<T> {
    await authSql(`CREATE OR REPLACE FUNCTION test_slow_write() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(${seconds}); RETURN NEW; END $$ LANGUAGE plpgsql`);
    await authSql(`CREATE TRIGGER test_slow_write BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION test_slow_write()`);
    try {
      return await run();
    } finally {
      await authSql(`DROP TRIGGER IF EXISTS test_slow_write ON ${table}`);
    }
  }

  it('a logout that arrives while the session is being refreshed ends the refreshed session too', async () => {
    const user = await signUp(platform);
    const session = (await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: user.password })).data!.login;
    const { refreshed, loggedOut } = await withSlowWrites('refresh_tokens', 0.5, async () => {
      const refreshing = send(platform.gatewayUrl, RefreshTokenDocument, { token: session.refreshToken });
      // The refresh is writing its successor token (slowly) when the logout comes.
      await new Promise((resolve) => setTimeout(resolve, 200));
      return { loggedOut: await send(platform.gatewayUrl, LogoutDocument, { refreshToken: session.refreshToken }), refreshed: await refreshing };
    });
    expect(loggedOut.data?.logout).toBe(true);
    const successor = refreshed.data?.refreshToken.refreshToken;
    if (successor) expect(codes(await send(platform.gatewayUrl, RefreshTokenDocument, { token: successor }))).toEqual(['UNAUTHENTICATED']);
    else expect(codes(refreshed)).toEqual(['UNAUTHENTICATED']);
  }, 30_000);

  it('a sign-in with the old password that arrives while the password is reset gets no session', async () => {
    const user = await signUp(platform);
    const before = platform.mailbox.countFor(user.email);
    await send(platform.gatewayUrl, RequestPasswordResetDocument, { email: user.email });
    const token = tokenInLink(await platform.mailbox.waitFor(user.email, before + 1));
    // The sign-in reads the credential, then spends a while counting its attempt (slowed here) before
    // it starts a session; the reset commits in between.
    const { login, reset } = await withSlowWrites('rate_limits', 0.5, async () => {
      const signingIn = send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: user.password });
      await new Promise((resolve) => setTimeout(resolve, 100));
      return { reset: await send(platform.gatewayUrl, SetPasswordDocument, { token, password: `${STRONG_PASSWORD}-renewed` }), login: await signingIn };
    });
    expect(reset.data?.setPassword).toBe(true);
    expect(codes(login)).toEqual(['UNAUTHENTICATED']);
  }, 30_000);
});

describe('login', () => {
  it('finds an address with a capital letter beyond ASCII as it was registered, in any ASCII case', async () => {
    const username = `elodie${Date.now().toString(36)}`;
    const email = `Élodie.${username}@example.com`;
    const register = await send(platform.gatewayUrl, RegisterDocument, { input: { username, email, firstName: 'Élodie', lastName: 'Durand' } });
    expect(register.errors).toBeUndefined();
    const confirmed = await send(platform.gatewayUrl, ConfirmEmailDocument, { token: tokenInLink(await platform.mailbox.waitFor(email)) });
    await send(platform.gatewayUrl, SetPasswordDocument, { token: confirmed.data!.confirmEmail.passwordSetupToken, password: STRONG_PASSWORD });
    for (const typed of [email, email.replace('example', 'EXAMPLE'), email.replace('.elodie', '.ELODIE')]) {
      const login = await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: typed, password: STRONG_PASSWORD });
      expect({ typed, errors: login.errors }).toEqual({ typed, errors: undefined });
    }
    // The same address again is the same account (mailed "already registered"), not a second one.
    const shouted = `${email.split('@')[0]!.toUpperCase()}@example.com`;
    await send(platform.gatewayUrl, RegisterDocument, { input: { username: `${username}2`, email: shouted, firstName: 'Élodie', lastName: 'Durand' } });
    expect((await platform.mailbox.waitFor(shouted)).text).toMatch(/already/i);
  });

  it('gives the same error for a wrong password and an unknown user', async () => {
    const user = await signUp(platform);
    const wrong = await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: 'wrong password!!' });
    const unknown = await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: 'nobody-here', password: 'wrong password!!' });
    expect(codes(wrong)).toEqual(['UNAUTHENTICATED']);
    expect(wrong.errors?.[0]?.message).toBe(unknown.errors?.[0]?.message);
    expect(codes(unknown)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('sessions of one account', () => {
  it('are kept up to SESSIONS_PER_ACCOUNT: a sign-in beyond ends the least recently used', async () => {
    const user = await signUp(platform);
    const signIn = async () => (await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: user.password })).data!.login;
    // Sign-up's session and two more fill the account's three; refreshing the first makes the second the least recently used.
    const second = await signIn();
    const third = await signIn();
    const first = (await send(platform.gatewayUrl, RefreshTokenDocument, { token: user.refreshToken })).data!.refreshToken;
    const fourth = await signIn();
    const refreshed = async (token: string) => codes(await send(platform.gatewayUrl, RefreshTokenDocument, { token }));
    expect(await refreshed(second.refreshToken)).toEqual(['UNAUTHENTICATED']);
    for (const session of [first, third, fourth]) expect(await refreshed(session.refreshToken)).toEqual([]);
    // The ended session's access token goes with it (the gateway asks auth whether its session stands).
    await eventually(async () => codes(await send(platform.gatewayUrl, MeDocument, {}, second.accessToken)).includes('UNAUTHENTICATED'), 10_000);
    expect(codes(await send(platform.gatewayUrl, MeDocument, {}, fourth.accessToken))).toEqual([]);
  });
});
