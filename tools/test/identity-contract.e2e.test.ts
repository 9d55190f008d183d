import pg from 'pg';
import { AccountDocument, AccountsDocument, DeactivateAccountDocument, DeleteAccountDocument, LoginDocument, SetRolesDocument, UpdateAccountDocument } from './support/operations.generated';
import { codes, send } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { adminEnv, eventually, logInAdmin, signUp } from './support/users';

/** Contract checks of the identity operations (issues 2 and 5) that a client's test suite would make. */


let platform: TestPlatform;
let admin: { accessToken: string };

beforeAll(async () => {
  platform = await startTestPlatform(adminEnv('root@example.com'));
  admin = await logInAdmin(platform);
});
afterAll(() => platform?.stop());

describe('an id that names no account', () => {
  it('answers NOT_FOUND in every admin operation, however it is spelled, and changes nothing', async () => {
    const user = await signUp(platform);
    for (const id of ['not-a-uuid', '', '42']) {
      const answers = {
        id,
        account: codes(await send(platform.gatewayUrl, AccountDocument, { id }, admin.accessToken)),
        updateAccount: codes(await send(platform.gatewayUrl, UpdateAccountDocument, { id, input: { firstName: 'Mallory' } }, admin.accessToken)),
        deactivateAccount: codes(await send(platform.gatewayUrl, DeactivateAccountDocument, { id }, admin.accessToken)),
        deleteAccount: codes(await send(platform.gatewayUrl, DeleteAccountDocument, { id }, admin.accessToken)),
        setRoles: codes(await send(platform.gatewayUrl, SetRolesDocument, { accountId: id, roles: ['ADMIN'] }, admin.accessToken)),
      };
      expect(answers).toEqual({ id, account: ['NOT_FOUND'], updateAccount: ['NOT_FOUND'], deactivateAccount: ['NOT_FOUND'], deleteAccount: ['NOT_FOUND'], setRoles: ['NOT_FOUND'] });
    }
    const own = await send(platform.gatewayUrl, AccountDocument, { id: user.accountId }, user.accessToken);
    expect(own.data?.account).toMatchObject({ id: user.accountId, status: 'ACTIVE' });
  });
});

describe('an account id in capitals', () => {
  it('names the same account: its owner reads and updates it, an admin finds it', async () => {
    const user = await signUp(platform);
    const shouted = user.accountId.toUpperCase();
    const read = await send(platform.gatewayUrl, AccountDocument, { id: shouted }, user.accessToken);
    expect([read.errors, read.data?.account?.id]).toEqual([undefined, user.accountId]);
    const updated = await send(platform.gatewayUrl, UpdateAccountDocument, { id: shouted, input: { firstName: 'Shouty' } }, user.accessToken);
    expect([updated.errors, updated.data?.updateAccount.firstName]).toEqual([undefined, 'Shouty']);
    const byAdmin = await send(platform.gatewayUrl, AccountDocument, { id: shouted }, admin.accessToken);
    expect(byAdmin.data?.account?.username).toBe(user.username);
  });
});

describe('deleteAccount', () => {
  it('called several times at once deletes once: one true, the others NOT_FOUND, one deletion announced', async () => {
    const user = await signUp(platform);
    const answers = await Promise.all(Array.from({ length: 5 }, () => send(platform.gatewayUrl, DeleteAccountDocument, { id: user.accountId }, admin.accessToken)));
    const outcomes = answers.map((answer) => answer.data?.deleteAccount ?? codes(answer)[0]);
    expect(outcomes.filter((outcome) => outcome === true)).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'NOT_FOUND')).toHaveLength(4);

    const bus = new pg.Client({ connectionString: platform.account.runtime.config.busUrl });
    await bus.connect();
    try {
      const deletions = async () =>
        (await bus.query("SELECT count(*)::int AS n FROM bus_events WHERE type = 'account.deleted' AND payload->>'id' = $1", [user.accountId])).rows[0].n as number;
      await eventually(async () => (await deletions()) >= 1);
      // Relayed by now, as anything committed with it: the outbox holds nothing more for this account.
      await eventually(async () => (await platform.account.runtime.orm.em.fork().execute('SELECT 1 FROM outbox')).length === 0);
      expect(await deletions()).toBe(1);
    } finally {
      await bus.end();
    }
  });
});

describe('a new username', () => {
  it('signs in the moment updateAccount answers, and the old one no longer does', async () => {
    const user = await signUp(platform);
    for (let round = 0; round < 3; round += 1) {
      const username = `renamed${round}${user.username}`.slice(0, 32);
      const renamed = await send(platform.gatewayUrl, UpdateAccountDocument, { input: { username } }, user.accessToken);
      expect(renamed.data?.updateAccount.username).toBe(username);
      const login = await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: username, password: user.password });
      expect({ round, errors: login.errors }).toEqual({ round, errors: undefined });
    }
    expect(codes(await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: user.password }))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('accounts', () => {
  it('refuses a search longer than 100 characters with BAD_USER_INPUT on search, rather than cut it', async () => {
    const long = await send(platform.gatewayUrl, AccountsDocument, { filter: { search: 'x'.repeat(101) } }, admin.accessToken);
    expect(long.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'search']]);
    const fits = await send(platform.gatewayUrl, AccountsDocument, { filter: { search: 'x'.repeat(100) } }, admin.accessToken);
    expect(fits.data?.accounts.totalCount).toBe(0);
  });
});
