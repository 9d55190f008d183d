import { ensureFirstAdminAccount } from '@herck/account';
import { ensureFirstAdminCredential } from '@herck/auth';
import { Logger } from '@herck/common';
import { CreatePortfolioDocument, DeactivateAccountDocument, DeleteAccountDocument, LoginDocument, ReactivateAccountDocument, RegisterDocument, RequestPasswordResetDocument, SetPasswordDocument, SetRolesDocument } from './support/operations.generated';
import { codes, send } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { tokenInLink } from './support/smtp-mailbox';
import { ADMIN_PASSWORD, adminEnv, eventually, logIn, logInAdmin, signUp, STRONG_PASSWORD } from './support/users';

const ADMIN_EMAIL = 'keeper@example.com';

let platform: TestPlatform;
let admin: { accessToken: string };

beforeAll(async () => {
  platform = await startTestPlatform(adminEnv(ADMIN_EMAIL), { analysis: {}, orders: {} });
  admin = await logInAdmin(platform);
});
afterAll(() => platform?.stop());

const authDb = () => platform.auth.runtime.orm.em.fork();

/** Deletes the account as an admin and waits until auth has applied the deletion. */
async function deleteAndWait(accountId: string, username: string, password: string): Promise<void> {
  expect((await send(platform.gatewayUrl, DeleteAccountDocument, { id: accountId }, admin.accessToken)).data?.deleteAccount).toBe(true);
  await eventually(async () => codes(await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: username, password })).includes('UNAUTHENTICATED'));
}

describe('a deleted account', () => {
  it('does not come back through a reset link issued before the deletion', async () => {
    const user = await signUp(platform, 'doomed');
    await send(platform.gatewayUrl, RequestPasswordResetDocument, { email: user.email });
    const unusedResetToken = tokenInLink(await platform.mailbox.waitFor(user.email, 2));
    await deleteAndWait(user.accountId, user.username, user.password);

    const revived = await send(platform.gatewayUrl, SetPasswordDocument, { token: unusedResetToken, password: 'resurrection-Passphrase-1' });
    expect(codes(revived)).toEqual(['BAD_USER_INPUT']);
    expect(codes(await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: 'resurrection-Passphrase-1' }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect(await authDb().execute('SELECT 1 FROM credentials WHERE account_id = ?', [user.accountId])).toEqual([]);
    expect(await authDb().execute('SELECT 1 FROM deleted_accounts WHERE account_id = ?', [user.accountId])).toHaveLength(1);
  });

  it("frees its names for a newcomer, and the old owner's leftover link cannot take them over", async () => {
    const first = await signUp(platform, 'reused');
    await send(platform.gatewayUrl, RequestPasswordResetDocument, { email: first.email });
    const leftover = tokenInLink(await platform.mailbox.waitFor(first.email, 2));
    await deleteAndWait(first.accountId, first.username, first.password);

    const newcomer = await signUp(platform, 'reused');
    expect(newcomer.accountId).not.toBe(first.accountId);
    expect(codes(await send(platform.gatewayUrl, SetPasswordDocument, { token: leftover, password: 'old-Owner-passphrase-2' }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: 'reused', password: 'old-Owner-passphrase-2' }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    const login = await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: 'reused', password: STRONG_PASSWORD });
    expect(subjectOf(login.data!.login.accessToken)).toBe(newcomer.accountId);
  });
});

describe("auth's copy of login names", () => {
  it('keeps usernames and emails unique regardless of letter case', async () => {
    const user = await signUp(platform, 'uniquely');
    const insert = (username: string, email: string) =>
      authDb().execute(
        "INSERT INTO credentials (account_id, username, email, status, account_version) VALUES (gen_random_uuid(), ?, ?, 'ACTIVE', 1)",
        [username, email],
      );
    await expect(insert('UNIQUELY', 'someone-else@example.com')).rejects.toThrow(/unique/i);
    await expect(insert('someone-else', user.email.toUpperCase())).rejects.toThrow(/unique/i);
  });
});

describe('the last admin', () => {
  it('cannot lose the ADMIN role (nobody could give it back), while another admin can', async () => {
    const self = subjectOf(admin.accessToken);
    const refused = await send(platform.gatewayUrl, SetRolesDocument, { accountId: self, roles: ['USER'] }, admin.accessToken);
    expect(refused.errors?.map((error) => [error.extensions?.code, error.message])).toEqual([['CONFLICT', 'At least one active admin must remain: make another account an admin first']]);
    expect((await authDb().execute<{ roles: string[] }[]>('SELECT roles FROM credentials WHERE account_id = ?', [self]))[0]!.roles).toContain('ADMIN');

    const helper = await signUp(platform, 'helperadmin');
    expect(codes(await send(platform.gatewayUrl, SetRolesDocument, { accountId: helper.accountId, roles: ['USER', 'ADMIN'] }, admin.accessToken))).toEqual([]);
    const demoted = await send(platform.gatewayUrl, SetRolesDocument, { accountId: helper.accountId, roles: ['USER'] }, admin.accessToken);
    expect(demoted.data?.setRoles.roles).toEqual(['USER']);
  });

  it('cannot be deactivated or deleted, while an admin made a moment before can, and then the other', async () => {
    const self = subjectOf(admin.accessToken);
    const refusal = [['CONFLICT', 'At least one active admin must remain: make another account an admin first']];
    const answer = (response: { errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }) =>
      response.errors?.map((error) => [error.extensions?.code, error.message]);
    expect(answer(await send(platform.gatewayUrl, DeactivateAccountDocument, { id: self }, admin.accessToken))).toEqual(refusal);
    expect(answer(await send(platform.gatewayUrl, DeleteAccountDocument, { id: self }, admin.accessToken))).toEqual(refusal);
    expect(codes(await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: ADMIN_EMAIL, password: ADMIN_PASSWORD }))).toEqual([]);

    // Another account made an admin: the first may go at once (auth's word of the new admin is on the bus before its answer).
    const second = await signUp(platform, 'secondadmin');
    expect(codes(await send(platform.gatewayUrl, SetRolesDocument, { accountId: second.accountId, roles: ['USER', 'ADMIN'] }, admin.accessToken))).toEqual([]);
    expect((await send(platform.gatewayUrl, DeactivateAccountDocument, { id: self }, admin.accessToken)).data?.deactivateAccount.status).toBe('DEACTIVATED');
    const secondAdmin = await logIn(platform, second.username, second.password);
    expect(codes(await send(platform.gatewayUrl, ReactivateAccountDocument, { id: self }, secondAdmin.accessToken))).toEqual([]);
    await eventually(async () => codes(await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: ADMIN_EMAIL, password: ADMIN_PASSWORD })).length === 0);
    admin = await logIn(platform, ADMIN_EMAIL, ADMIN_PASSWORD);

    // A deactivated admin is no admin to leave behind: with the second deactivated, the first is the last one again.
    expect((await send(platform.gatewayUrl, DeactivateAccountDocument, { id: second.accountId }, admin.accessToken)).data?.deactivateAccount.status).toBe('DEACTIVATED');
    expect(answer(await send(platform.gatewayUrl, DeleteAccountDocument, { id: self }, admin.accessToken))).toEqual(refusal);
  });
});

describe('the first admin, deleted through the API', () => {
  it('made again by its operator (the next start, admin:create) is an account auth follows: a deactivation reaches it', async () => {
    // Another admin, so that the first can go.
    const keeper = await signUp(platform, 'nextadmin');
    expect(codes(await send(platform.gatewayUrl, SetRolesDocument, { accountId: keeper.accountId, roles: ['USER', 'ADMIN'] }, admin.accessToken))).toEqual([]);
    const next = await logIn(platform, keeper.username, keeper.password);
    const firstId = subjectOf(admin.accessToken);
    expect((await send(platform.gatewayUrl, DeleteAccountDocument, { id: firstId }, next.accessToken)).data?.deleteAccount).toBe(true);
    await eventually(async () => (await authDb().execute('SELECT 1 FROM deleted_accounts WHERE account_id = ?', [firstId])).length === 1);
    // A roles announcement auth made before it heard of the deletion (a setRoles a moment before) reaches
    // account after it: account keeps no copy of the roles of an account it no longer has, first admin or not.
    await authDb().execute("INSERT INTO outbox (id, type, payload) VALUES (gen_random_uuid(), 'auth.roles-changed', ?::jsonb)", [JSON.stringify({ accountId: firstId, roles: ['USER', 'ADMIN'] })]);
    await platform.auth.runtime.relayEvents();
    await platform.account.runtime.catchUpEvents();
    const accountRoles = () => platform.account.runtime.orm.em.fork().execute('SELECT roles FROM account_roles WHERE account_id = ?', [firstId]);
    expect(await accountRoles()).toEqual([]);

    // What the next start with HERCK_ADMIN_EMAIL / HERCK_ADMIN_PASSWORD does.
    const quiet = new Logger('test', 'error');
    const again = await ensureFirstAdminAccount(platform.account.runtime.orm.em.fork(), { email: ADMIN_EMAIL, username: 'admin' }, quiet);
    expect(again.id).toBe(firstId);
    // Back, it counts as an admin here at once, whenever auth's word of its roles arrives.
    expect(await accountRoles()).toEqual([{ roles: ['USER', 'ADMIN'] }]);
    await ensureFirstAdminCredential(platform.auth.runtime.orm.em.fork(), { email: ADMIN_EMAIL, username: 'admin', password: ADMIN_PASSWORD }, quiet);
    await platform.account.runtime.relayEvents();
    const returned = await logIn(platform, ADMIN_EMAIL, ADMIN_PASSWORD);
    // Orders and analysis keep a deleted account's id to refuse what comes for it after: the account's
    // return lifts that, so the admin can keep portfolios and place orders again.
    await Promise.all([platform.analysis!.runtime.catchUpEvents(), platform.orders!.runtime.catchUpEvents()]);
    const portfolio = await send(platform.gatewayUrl, CreatePortfolioDocument, { name: 'Back again', baseCurrency: 'USD' }, returned.accessToken);
    expect(portfolio.errors).toBeUndefined();
    expect(await platform.orders!.runtime.orm.em.fork().execute('SELECT 1 FROM deleted_owners WHERE id = ?', [firstId])).toEqual([]);

    expect((await send(platform.gatewayUrl, DeactivateAccountDocument, { id: firstId }, next.accessToken)).data?.deactivateAccount.status).toBe('DEACTIVATED');
    await eventually(async () => codes(await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: ADMIN_EMAIL, password: ADMIN_PASSWORD })).includes('UNAUTHENTICATED'));
  });
});

describe('an admin configured with a username someone holds', () => {
  it('gets a numbered one, and the log says which', async () => {
    const lines: { level: string; msg: string; wanted?: string; username?: string }[] = [];
    const logger = new Logger('account', 'info', {}, (line) => lines.push(JSON.parse(line)));
    const taken = await signUp(platform, 'opsadmin');
    const account = await ensureFirstAdminAccount(platform.account.runtime.orm.em.fork(), { email: 'second-ops@example.com', username: taken.username }, logger);
    expect(account.username).toBe(`${taken.username}2`);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: "the admin's username is taken: the admin signs in with another, or by email", wanted: taken.username, username: `${taken.username}2` }));
    // Started again, the account is found by its email and keeps its name while the one asked for is held; the log says so again.
    lines.length = 0;
    expect((await ensureFirstAdminAccount(platform.account.runtime.orm.em.fork(), { email: 'second-ops@example.com', username: taken.username }, logger)).username).toBe(`${taken.username}2`);
    expect(lines.filter((line) => line.level === 'warn')).toEqual([expect.objectContaining({ wanted: taken.username, username: `${taken.username}2` })]);
  });
});

function subjectOf(accessToken: string): string {
  return (JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string }).sub;
}

describe('an admin username configured anew (HERCK_ADMIN_USERNAME changed between starts)', () => {
  it('is applied when free, kept with a warning while someone holds it, and left alone when none is configured', async () => {
    const lines: { level: string; msg: string; wanted?: string; username?: string }[] = [];
    const logger = new Logger('account', 'info', {}, (line) => lines.push(JSON.parse(line)));
    const accountDb = () => platform.account.runtime.orm.em.fork();
    const email = 'renamed-ops@example.com';
    expect((await ensureFirstAdminAccount(accountDb(), { email, username: 'opsfirst' }, logger)).username).toBe('opsfirst');
    await ensureFirstAdminCredential(authDb(), { email, username: 'opsfirst', password: ADMIN_PASSWORD }, logger);

    // The next start, with another name configured: the admin signs in with it, and the old one is free.
    expect((await ensureFirstAdminAccount(accountDb(), { email, username: 'opssecond' }, logger)).username).toBe('opssecond');
    await platform.account.runtime.relayEvents();
    await eventually(async () => codes(await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: 'opssecond', password: ADMIN_PASSWORD })).length === 0);
    expect(codes(await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: 'opsfirst', password: ADMIN_PASSWORD }))).toEqual(['UNAUTHENTICATED']);

    // A name someone else holds is not taken from them.
    const holder = await signUp(platform, 'opsthird');
    lines.length = 0;
    expect((await ensureFirstAdminAccount(accountDb(), { email, username: holder.username }, logger)).username).toBe('opssecond');
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', wanted: holder.username, username: 'opssecond' }));

    // No name configured: the one the admin has (perhaps chosen through the API) stays.
    expect((await ensureFirstAdminAccount(accountDb(), { email }, logger)).username).toBe('opssecond');
  });
});

describe('an admin configured with the username of a registration never confirmed in time', () => {
  it('takes that username: the lapsed registration holds it no more than it would against a registrant', async () => {
    const logger = new Logger('account', 'error');
    await send(platform.gatewayUrl, RegisterDocument, { input: { username: 'squatted', email: 'squatter@example.com', firstName: 'Sq', lastName: 'Uatter' } });
    await platform.mailbox.waitFor('squatter@example.com');
    await platform.account.runtime.orm.em.fork().execute("UPDATE accounts SET confirmation_expires_at = now() - interval '1 second' WHERE username = 'squatted'");
    const account = await ensureFirstAdminAccount(platform.account.runtime.orm.em.fork(), { email: 'squatted-ops@example.com', username: 'squatted' }, logger);
    expect(account.username).toBe('squatted');
    expect(await platform.account.runtime.orm.em.fork().execute("SELECT email FROM accounts WHERE lower(username) = 'squatted'")).toEqual([{ email: 'squatted-ops@example.com' }]);
  });
});
