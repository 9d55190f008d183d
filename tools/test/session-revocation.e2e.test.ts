import {
  AccountsDocument,
  DeactivateAccountDocument,
  DeleteAccountDocument,
  LogoutDocument,
  MeDocument,
  RegisterDocument,
  SetRolesDocument,
} from './support/operations.generated';
import { codes, send } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { adminEnv, eventually, logIn, logInAdmin, refusedSoon, signUp } from './support/users';


let platform: TestPlatform;
let admin: { accessToken: string };

beforeAll(async () => {
  // The gateway trusts auth's answer about a session for 1 second (5 by default).
  platform = await startTestPlatform({ ...adminEnv('warden@example.com'), SESSION_CHECK_SECONDS: '1' });
  admin = await logInAdmin(platform);
});
afterAll(() => platform?.stop());

const me = (accessToken: string) => send(platform.gatewayUrl, MeDocument, {}, accessToken);


describe('an access token stops working within seconds, well before it expires, after', () => {
  it('logout of its session, while the other sessions keep working', async () => {
    const user = await signUp(platform);
    const other = await logIn(platform, user.username, user.password);
    expect((await me(user.accessToken)).data?.me?.id).toBe(user.accountId);
    await send(platform.gatewayUrl, LogoutDocument, { refreshToken: user.refreshToken });
    await refusedSoon(platform, user.accessToken);
    expect((await me(other.accessToken)).data?.me?.id).toBe(user.accountId);
  });

  it('logout of every session', async () => {
    const user = await signUp(platform);
    const other = await logIn(platform, user.username, user.password);
    await send(platform.gatewayUrl, LogoutDocument, {}, user.accessToken);
    await refusedSoon(platform, user.accessToken);
    await refusedSoon(platform, other.accessToken);
  });

  it('deactivation of the account', async () => {
    const user = await signUp(platform);
    expect((await send(platform.gatewayUrl, DeactivateAccountDocument, { id: user.accountId }, admin.accessToken)).data?.deactivateAccount.status).toBe('DEACTIVATED');
    await refusedSoon(platform, user.accessToken);
    // Registering the address again tells its mailbox the account is deactivated, not to sign in.
    const mails = platform.mailbox.countFor(user.email);
    await send(platform.gatewayUrl, RegisterDocument, { input: { username: `${user.username}x`, email: user.email, firstName: 'Test', lastName: 'User' } });
    const told = await platform.mailbox.waitFor(user.email, mails + 1);
    expect(told.text).toMatch(/deactivated/);
    expect(told.text).not.toMatch(/Sign in instead/);
  });

  it('deletion of the account', async () => {
    const user = await signUp(platform);
    expect((await send(platform.gatewayUrl, DeleteAccountDocument, { id: user.accountId }, admin.accessToken)).data?.deleteAccount).toBe(true);
    await refusedSoon(platform, user.accessToken);
  });
});

describe('a role change', () => {
  it('applies to tokens already issued within seconds, both ways', async () => {
    const user = await signUp(platform);
    const listAccounts = () => send(platform.gatewayUrl, AccountsDocument, { first: 1 }, user.accessToken);
    expect(codes(await listAccounts())).toEqual(['FORBIDDEN']);

    await send(platform.gatewayUrl, SetRolesDocument, { accountId: user.accountId, roles: ['USER', 'ADMIN'] }, admin.accessToken);
    await eventually(async () => (await listAccounts()).data?.accounts.totalCount !== undefined, 10_000);

    await send(platform.gatewayUrl, SetRolesDocument, { accountId: user.accountId, roles: ['USER'] }, admin.accessToken);
    await eventually(async () => codes(await listAccounts()).includes('FORBIDDEN'), 10_000);
  });
});
