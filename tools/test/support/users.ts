import { randomBytes } from 'node:crypto';
import { ConfirmEmailDocument, LoginDocument, MeDocument, RegisterDocument, SetPasswordDocument } from './operations.generated';
import { codes, send } from './graphql-client';
import { tokenInLink } from './smtp-mailbox';
import { TestPlatform } from './platform';

export interface SignedUpUser {
  accountId: string;
  username: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

export const STRONG_PASSWORD = 'plum-Orbit-7-lantern-Quiet';

/** register → mailed link → confirmEmail → setPassword → login, all through the gateway. */
export async function signUp(platform: Pick<TestPlatform, 'gatewayUrl' | 'mailbox'>, username = `user${randomBytes(3).toString('hex')}`): Promise<SignedUpUser> {
  const email = `${username}@example.com`;
  const mailsBefore = platform.mailbox.countFor(email);
  const register = await send(platform.gatewayUrl, RegisterDocument, { input: { username, email, firstName: 'Test', lastName: 'User' } });
  if (register.errors) throw new Error(JSON.stringify(register.errors));
  const mail = await platform.mailbox.waitFor(email, mailsBefore + 1);
  const confirmed = await send(platform.gatewayUrl, ConfirmEmailDocument, { token: tokenInLink(mail) });
  const setupToken = confirmed.data?.confirmEmail.passwordSetupToken;
  if (!setupToken) throw new Error(JSON.stringify(confirmed.errors));
  const set = await send(platform.gatewayUrl, SetPasswordDocument, { token: setupToken, password: STRONG_PASSWORD });
  if (!set.data?.setPassword) throw new Error(JSON.stringify(set.errors));
  const tokens = await logIn(platform, username, STRONG_PASSWORD);
  const me = await send(platform.gatewayUrl, MeDocument, {}, tokens.accessToken);
  return { accountId: me.data!.me!.id, username, email, password: STRONG_PASSWORD, ...tokens };
}

export async function logIn(platform: Pick<TestPlatform, 'gatewayUrl'>, usernameOrEmail: string, password: string): Promise<{ accessToken: string; refreshToken: string }> {
  const login = await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail, password });
  if (!login.data) throw new Error(JSON.stringify(login.errors));
  return login.data.login;
}

/** The first admin's password wherever a test starts its platform with one (adminEnv). */
export const ADMIN_PASSWORD = 'first-Admin-passphrase-42';

/** The settings that make a test platform create its first admin, to spread into startTestPlatform's overrides. */
export function adminEnv(email: string): { HERCK_ADMIN_EMAIL: string; HERCK_ADMIN_PASSWORD: string } {
  return { HERCK_ADMIN_EMAIL: email, HERCK_ADMIN_PASSWORD: ADMIN_PASSWORD };
}

/** Logs in as the first admin the platform was started with (adminEnv): its tokens. */
export async function logInAdmin(platform: Pick<TestPlatform, 'gatewayUrl' | 'env'>): Promise<{ accessToken: string; refreshToken: string }> {
  const { HERCK_ADMIN_EMAIL: email, HERCK_ADMIN_PASSWORD: password } = platform.env;
  if (!email || !password) throw new Error('this platform was started without a first admin: give startTestPlatform adminEnv(email)');
  return logIn(platform, email, password);
}

/** Polls until `check` passes: for effects that travel over the event bus. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the gateway refuses `accessToken` with 401 UNAUTHENTICATED, as after an expiry. */
export async function refusedSoon(platform: Pick<TestPlatform, 'gatewayUrl'>, accessToken: string): Promise<void> {
  await eventually(async () => {
    const response = await send(platform.gatewayUrl, MeDocument, {}, accessToken);
    return response.status === 401 && codes(response).includes('UNAUTHENTICATED');
  }, 10_000);
}
