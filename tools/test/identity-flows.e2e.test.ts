import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  AccountDocument,
  AccountsDocument,
  DeactivateAccountDocument,
  DeleteAccountDocument,
  LoginDocument,
  LogoutDocument,
  MeDocument,
  ReactivateAccountDocument,
  RefreshTokenDocument,
  RegisterDocument,
  RequestPasswordResetDocument,
  ResendConfirmationDocument,
  SetPasswordDocument,
  SetRolesDocument,
  ConfirmEmailDocument,
  UpdateAccountDocument,
} from './support/operations.generated';
import { codes, send } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { tokenInLink } from './support/smtp-mailbox';
import { adminEnv, eventually, logIn, logInAdmin, refusedSoon, signUp, STRONG_PASSWORD } from './support/users';

/**
 * Identity flows followed over time through the gateway: tokens and links across resends, resets,
 * deactivation, reactivation, deletion and role changes, with the gateway's session check at 1 second.
 */

let platform: TestPlatform;
let admin: { accessToken: string };
beforeAll(async () => {
  platform = await startTestPlatform({ ...adminEnv('keeper@example.com'), SESSION_CHECK_SECONDS: '1' });
  admin = await logInAdmin(platform);
});
afterAll(() => platform?.stop());

const me = (accessToken: string) => send(platform.gatewayUrl, MeDocument, {}, accessToken);

describe('identity flows over time', () => {
  it('reuse of a rotated refresh token ends the access token of the rotated pair too', async () => {
    const user = await signUp(platform);
    const rotated = (await send(platform.gatewayUrl, RefreshTokenDocument, { token: user.refreshToken })).data!.refreshToken;
    expect(codes(await send(platform.gatewayUrl, RefreshTokenDocument, { token: user.refreshToken }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await send(platform.gatewayUrl, RefreshTokenDocument, { token: rotated.refreshToken }))).toEqual(['UNAUTHENTICATED']);
    await refusedSoon(platform, rotated.accessToken);
    await refusedSoon(platform, user.accessToken);
  });

  it('a password reset ends the access tokens of open sessions', async () => {
    const user = await signUp(platform);
    await send(platform.gatewayUrl, RequestPasswordResetDocument, { email: user.email });
    const token = tokenInLink(await platform.mailbox.waitFor(user.email, 2));
    expect((await send(platform.gatewayUrl, SetPasswordDocument, { token, password: 'brand-New-passphrase-77' })).data?.setPassword).toBe(true);
    await refusedSoon(platform, user.accessToken);
  });

  it('a reset link issued before a deactivation does not work, not even after reactivation', async () => {
    const user = await signUp(platform);
    await send(platform.gatewayUrl, RequestPasswordResetDocument, { email: user.email });
    const token = tokenInLink(await platform.mailbox.waitFor(user.email, 2));
    expect((await send(platform.gatewayUrl, DeactivateAccountDocument, { id: user.accountId }, admin.accessToken)).data?.deactivateAccount.status).toBe('DEACTIVATED');
    await refusedSoon(platform, user.accessToken);
    expect(codes(await send(platform.gatewayUrl, SetPasswordDocument, { token, password: 'brand-New-passphrase-77' }))).toEqual(['BAD_USER_INPUT']);
    // no reset mail for a deactivated account
    const before = platform.mailbox.countFor(user.email);
    await send(platform.gatewayUrl, RequestPasswordResetDocument, { email: user.email });
    await new Promise((r) => setTimeout(r, 500));
    expect(platform.mailbox.countFor(user.email)).toBe(before);
    expect((await send(platform.gatewayUrl, ReactivateAccountDocument, { id: user.accountId }, admin.accessToken)).data?.reactivateAccount.status).toBe('ACTIVE');
    await eventually(async () => !codes(await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: user.password })).length);
    expect(codes(await send(platform.gatewayUrl, SetPasswordDocument, { token, password: 'brand-New-passphrase-78' }))).toEqual(['BAD_USER_INPUT']);
    await refusedSoon(platform, user.accessToken);
  });

  it('resendConfirmation: old link after resend; active account gets no link', async () => {
    await send(platform.gatewayUrl, RegisterDocument, { input: { username: 'resender', email: 'resender@example.com', firstName: 'Re', lastName: 'Sender' } });
    const first = tokenInLink(await platform.mailbox.waitFor('resender@example.com', 1));
    await send(platform.gatewayUrl, ResendConfirmationDocument, { email: 'resender@example.com' });
    const mail2 = await platform.mailbox.waitFor('resender@example.com', 2);
    const second = tokenInLink(mail2);
    // The resent link replaces the first one.
    expect(codes(await send(platform.gatewayUrl, ConfirmEmailDocument, { token: first }))).toEqual(['BAD_USER_INPUT']);
    const setup = (await send(platform.gatewayUrl, ConfirmEmailDocument, { token: second })).data!.confirmEmail.passwordSetupToken;
    // An active account is sent no link.
    await send(platform.gatewayUrl, ResendConfirmationDocument, { email: 'resender@example.com' });
    await new Promise((r) => setTimeout(r, 500));
    expect(platform.mailbox.countFor('resender@example.com')).toBe(2);
    expect((await send(platform.gatewayUrl, SetPasswordDocument, { token: setup, password: 'brand-New-passphrase-77' })).data?.setPassword).toBe(true);
    // login before password set was impossible; now possible
    expect((await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: 'resender', password: 'brand-New-passphrase-77' })).data?.login).toBeDefined();
    // setup token second time
    expect(codes(await send(platform.gatewayUrl, SetPasswordDocument, { token: setup, password: 'brand-New-passphrase-79' }))).toEqual(['BAD_USER_INPUT']);
  });

  it('last-admin rule counts a deactivated admin as gone', async () => {
    const second = await signUp(platform);
    expect((await send(platform.gatewayUrl, SetRolesDocument, { accountId: second.accountId, roles: ['ADMIN'] }, admin.accessToken)).data?.setRoles.roles).toContain('ADMIN');
    const firstId = (await me(admin.accessToken)).data!.me!.id;
    expect((await send(platform.gatewayUrl, DeactivateAccountDocument, { id: second.accountId }, admin.accessToken)).data?.deactivateAccount.status).toBe('DEACTIVATED');
    const demote = await send(platform.gatewayUrl, SetRolesDocument, { accountId: firstId, roles: ['USER'] }, admin.accessToken);
    expect(codes(demote)).toEqual(['CONFLICT']);
    const del = await send(platform.gatewayUrl, DeleteAccountDocument, { id: firstId }, admin.accessToken);
    expect(codes(del)).toEqual(['CONFLICT']);
    // setRoles on deleted account
    const gone = await signUp(platform);
    expect((await send(platform.gatewayUrl, DeleteAccountDocument, { id: gone.accountId }, admin.accessToken)).data?.deleteAccount).toBe(true);
    await refusedSoon(platform, gone.accessToken);
    const roles = await send(platform.gatewayUrl, SetRolesDocument, { accountId: gone.accountId, roles: ['ADMIN'] }, admin.accessToken);
    expect(codes(roles)).toEqual(['NOT_FOUND']);
    expect(codes(await send(platform.gatewayUrl, ReactivateAccountDocument, { id: gone.accountId }, admin.accessToken))).toEqual(['NOT_FOUND']);
    expect(codes(await send(platform.gatewayUrl, AccountDocument, { id: gone.accountId }, admin.accessToken))).toEqual(['NOT_FOUND']);
    expect(codes(await send(platform.gatewayUrl, LogoutDocument, { refreshToken: gone.refreshToken }))).toEqual([]);
  });

  it('setRoles on a deactivated account, then reactivation: roles kept', async () => {
    const user = await signUp(platform);
    await send(platform.gatewayUrl, DeactivateAccountDocument, { id: user.accountId }, admin.accessToken);
    const r = await send(platform.gatewayUrl, SetRolesDocument, { accountId: user.accountId, roles: ['ANALYST'] }, admin.accessToken);
    expect(r.data?.setRoles.roles).toEqual(['ANALYST']);
    await send(platform.gatewayUrl, ReactivateAccountDocument, { id: user.accountId }, admin.accessToken);
    let login: { accessToken: string } | undefined;
    await eventually(async () => { const l = await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: user.password }); login = l.data?.login; return !!login; });
    expect((await me(login!.accessToken)).data?.me?.roles).toEqual(['ANALYST']);
  });

  it('a confirmed account that never set its password: reset works, old setup token dies; pending login refused', async () => {
    await send(platform.gatewayUrl, RegisterDocument, { input: { username: 'nopass', email: 'nopass@example.com', firstName: 'No', lastName: 'Pass' } });
    const link = tokenInLink(await platform.mailbox.waitFor('nopass@example.com', 1));
    expect(codes(await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: 'nopass', password: STRONG_PASSWORD }))).toEqual(['UNAUTHENTICATED']);
    const setup = (await send(platform.gatewayUrl, ConfirmEmailDocument, { token: link })).data!.confirmEmail.passwordSetupToken;
    await send(platform.gatewayUrl, RequestPasswordResetDocument, { email: 'nopass@example.com' });
    const reset = tokenInLink(await platform.mailbox.waitFor('nopass@example.com', 2));
    expect(codes(await send(platform.gatewayUrl, SetPasswordDocument, { token: setup, password: STRONG_PASSWORD }))).toEqual(['BAD_USER_INPUT']);
    const r = await send(platform.gatewayUrl, SetPasswordDocument, { token: reset, password: STRONG_PASSWORD });
    expect(r.data?.setPassword).toBe(true);
    expect((await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: 'nopass@example.com', password: STRONG_PASSWORD })).data?.login).toBeDefined();
  });

  it('a change that changes nothing (an active account reactivated, an update to its own values) leaves the setup link working', async () => {
    await send(platform.gatewayUrl, RegisterDocument, { input: { username: 'samelink', email: 'samelink@example.com', firstName: 'Same', lastName: 'Link' } });
    const setup = (await send(platform.gatewayUrl, ConfirmEmailDocument, { token: tokenInLink(await platform.mailbox.waitFor('samelink@example.com', 1)) })).data!.confirmEmail.passwordSetupToken;
    const listed = await send(platform.gatewayUrl, AccountsDocument, { filter: { search: 'samelink' } }, admin.accessToken);
    const id = listed.data!.accounts.edges[0]!.node.id;
    const reactivated = await send(platform.gatewayUrl, ReactivateAccountDocument, { id }, admin.accessToken);
    expect([reactivated.errors, reactivated.data?.reactivateAccount.status]).toEqual([undefined, 'ACTIVE']);
    for (const input of [{}, { firstName: 'Same', username: 'samelink' }]) expect((await send(platform.gatewayUrl, UpdateAccountDocument, { id, input }, admin.accessToken)).errors).toBeUndefined();
    expect((await send(platform.gatewayUrl, SetPasswordDocument, { token: setup, password: STRONG_PASSWORD })).data?.setPassword).toBe(true);
    // A real change still ends the links issued before it.
    await send(platform.gatewayUrl, RequestPasswordResetDocument, { email: 'samelink@example.com' });
    const reset = tokenInLink(await platform.mailbox.waitFor('samelink@example.com', 2));
    await send(platform.gatewayUrl, UpdateAccountDocument, { id, input: { firstName: 'Changed' } }, admin.accessToken);
    expect(codes(await send(platform.gatewayUrl, SetPasswordDocument, { token: reset, password: STRONG_PASSWORD }))).toEqual(['BAD_USER_INPUT']);
  });

  it('logout with an already rotated refresh token', async () => {
    const user = await signUp(platform);
    const rotated = (await send(platform.gatewayUrl, RefreshTokenDocument, { token: user.refreshToken })).data!.refreshToken;
    const out = await send(platform.gatewayUrl, LogoutDocument, { refreshToken: user.refreshToken });
    expect(out.data?.logout).toBe(true);
    expect(codes(await send(platform.gatewayUrl, RefreshTokenDocument, { token: rotated.refreshToken }))).toEqual(['UNAUTHENTICATED']);
    await refusedSoon(platform, rotated.accessToken);
    expect((await send(platform.gatewayUrl, LogoutDocument, { refreshToken: 'garbage' })).data?.logout).toBe(true);
  });

  it('a username change keeps sessions, and refresh gives tokens for the new name', async () => {
    const user = await signUp(platform);
    const renamed = await send(platform.gatewayUrl, UpdateAccountDocument, { input: { username: `${user.username}r` } }, user.accessToken);
    expect(codes(renamed)).toEqual([]);
    expect((await me(user.accessToken)).data?.me?.username).toBe(`${user.username}r`);
    const rotated = await send(platform.gatewayUrl, RefreshTokenDocument, { token: user.refreshToken });
    expect(codes(rotated)).toEqual([]);
    // old username free for others? register it
    await send(platform.gatewayUrl, RegisterDocument, { input: { username: user.username, email: `n${user.email}`, firstName: 'N', lastName: 'N' } });
    const mail = await platform.mailbox.waitFor(`n${user.email}`, 1);
    expect(mail.text).toContain('token=');
    expect(codes(await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: `${user.username}r`, password: user.password }))).toEqual([]);
  });

  it('an admin deactivating themselves while another admin exists; setRoles to none', async () => {
    const a2 = await signUp(platform);
    await send(platform.gatewayUrl, SetRolesDocument, { accountId: a2.accountId, roles: ['ADMIN'] }, admin.accessToken);
    let a2t: { accessToken: string } | undefined;
    await eventually(async () => { a2t = await logIn(platform, a2.username, a2.password); return true; });
    const self = await send(platform.gatewayUrl, DeactivateAccountDocument, { id: a2.accountId }, a2t!.accessToken);
    expect(self.data?.deactivateAccount.status).toBe('DEACTIVATED');
    await refusedSoon(platform, a2t!.accessToken);
    const u = await signUp(platform);
    const none = await send(platform.gatewayUrl, SetRolesDocument, { accountId: u.accountId, roles: [] }, admin.accessToken);
    expect(codes(none)).toEqual(['BAD_USER_INPUT']);
    expect((await me(u.accessToken)).data?.me?.roles).toEqual(['USER']);
  });

  it('deactivated and at once reactivated: old sessions still end', async () => {
    const user = await signUp(platform);
    await send(platform.gatewayUrl, DeactivateAccountDocument, { id: user.accountId }, admin.accessToken);
    await send(platform.gatewayUrl, ReactivateAccountDocument, { id: user.accountId }, admin.accessToken);
    await eventually(async () => !codes(await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: user.password })).length);
    await refusedSoon(platform, user.accessToken);
    expect(codes(await send(platform.gatewayUrl, RefreshTokenDocument, { token: user.refreshToken }))).toEqual(['UNAUTHENTICATED']);
  });

  it('an open socket of a deactivated account, and of a demoted analyst, closes within seconds', async () => {
    const connect = (accessToken: string) => {
      let done: (code: number) => void = () => undefined;
      const closed = new Promise<number>((resolve) => (done = resolve));
      const client: Client = createClient({ url: platform.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, lazy: false, retryAttempts: 0,
        connectionParams: { Authorization: `Bearer ${accessToken}` }, onNonLazyError: () => undefined, on: { closed: (e) => done((e as { code: number }).code) } });
      client.subscribe({ query: 'subscription { ticks(symbols: ["BTC"]) { symbol } }' }, { next: () => undefined, error: () => undefined, complete: () => undefined });
      return { client, closed };
    };
    const user = await signUp(platform);
    const a = connect(user.accessToken);
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    await send(platform.gatewayUrl, DeactivateAccountDocument, { id: user.accountId }, admin.accessToken);
    expect(await a.closed).toBe(4403);
    expect(Date.now() - t0).toBeLessThan(5_000);
    const analyst = await signUp(platform);
    await send(platform.gatewayUrl, SetRolesDocument, { accountId: analyst.accountId, roles: ['USER', 'ANALYST'] }, admin.accessToken);
    const fresh = await logIn(platform, analyst.username, analyst.password);
    const b = connect(fresh.accessToken);
    await new Promise((r) => setTimeout(r, 1000));
    const t1 = Date.now();
    await send(platform.gatewayUrl, SetRolesDocument, { accountId: analyst.accountId, roles: ['USER'] }, admin.accessToken);
    expect(await b.closed).toBe(4403);
    expect(Date.now() - t1).toBeLessThan(5_000);
    await Promise.all([a.client.dispose(), b.client.dispose()]);
  });
});
