import { sendRaw } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { logIn, signUp } from './support/users';
import { tokenInLink } from './support/smtp-mailbox';

const ADMIN_EMAIL = 'root@example.com';
const ADMIN_PASSWORD = 'first-Admin-passphrase-42';
let platform: TestPlatform;
let admin: { accessToken: string };
const out: Record<string, unknown> = {};

function brief(res: { status: number; data?: unknown; errors?: readonly any[] }) {
  return { status: res.status, data: res.data, errors: res.errors?.map((e) => ({ m: e.message, p: e.path, c: e.extensions?.code, f: e.extensions?.field })) };
}
const q = (query: string, variables: Record<string, unknown> = {}, token?: string, headers: Record<string, string> = {}) =>
  sendRaw(platform.gatewayUrl, { query, variables }, token, headers).then(brief);

beforeAll(async () => {
  platform = await startTestPlatform({ HERCK_ADMIN_EMAIL: ADMIN_EMAIL, HERCK_ADMIN_PASSWORD: ADMIN_PASSWORD });
  admin = await logIn(platform, ADMIN_EMAIL, ADMIN_PASSWORD);
}, 60_000);
afterAll(async () => {
  console.log(JSON.stringify(out, null, 1));
  await platform?.stop();
});

it('probes', async () => {
  const a = await signUp(platform);
  const b = await signUp(platform);
  out.anonMe = await q('{ me { id } }');
  out.badTokenMe = await q('{ me { id } }', {}, 'garbage.token.here');
  out.anonAccounts = await q('{ accounts { totalCount } }');
  out.userAccounts = await q('{ me { id } accounts { totalCount } }', {}, a.accessToken);
  out.userOtherAccount = await q('query($id: ID!) { account(id: $id) { id } }', { id: b.accountId }, a.accessToken);
  out.userUpdateOther = await q('mutation($id: ID) { updateAccount(id: $id, input: {firstName: "Eve"}) { id firstName } }', { id: b.accountId }, a.accessToken);
  out.userDeactivateOther = await q('mutation($id: ID!) { deactivateAccount(id: $id) { id } }', { id: b.accountId }, a.accessToken);
  out.userSetRoles = await q('mutation($id: ID!) { setRoles(accountId: $id, roles: [ADMIN]) { id roles } }', { id: a.accountId }, a.accessToken);
  out.adminUnknown = await q('query($id: ID!) { account(id: $id) { id } }', { id: '00000000-0000-4000-8000-000000000000' }, admin.accessToken);
  out.adminAccountsPage = await q('{ accounts(first: 2, filter: {status: ACTIVE}) { totalCount edges { cursor node { id roles } } pageInfo { hasNextPage endCursor } } }', {}, admin.accessToken);
  out.adminAccountsBig = await q('{ accounts(first: 1000) { totalCount } }', {}, admin.accessToken);
  out.adminAccountsZero = await q('{ accounts(first: 0) { totalCount } }', {}, admin.accessToken);
  out.adminAccountsSearch = await q('query($s: String) { accounts(filter: {search: $s}) { nodes { username } } }', { s: a.username.toUpperCase() }, admin.accessToken);
  out.updateTakenUsername = await q('mutation($u: String) { updateAccount(input: {username: $u}) { id username } }', { u: b.username }, a.accessToken);
  out.updateEmptyName = await q('mutation { updateAccount(input: {firstName: ""}) { id } }', {}, a.accessToken);
  // register input validation
  const reg = (input: Record<string, string>) => q('mutation($input: RegisterInput!) { register(input: $input) { message } }', { input: { username: 'zed' + Math.random().toString(36).slice(2, 8), email: `z${Math.random().toString(36).slice(2, 8)}@example.com`, firstName: 'Zed', lastName: 'Zee', ...input } });
  out.regBadEmail = await reg({ email: 'not-an-email' });
  out.regLongUsername = await reg({ username: 'u'.repeat(300) });
  out.regShortUsername = await reg({ username: 'ab' });
  out.regUsernameWithAt = await reg({ username: 'foo@bar' });
  out.regUsernameDot = await reg({ username: 'john.doe' });
  out.regUsernameUnderscore = await reg({ username: 'john_doe2' });
  out.regUsernameDash = await reg({ username: 'john-doe' });
  out.regNewline = await reg({ firstName: 'Ann\nVisit https://evil.example' });
  out.regJose = await reg({ firstName: 'José' });
  out.regOBrien = await reg({ lastName: "O'Brien" });
  out.regAnneMarie = await reg({ firstName: 'Anne-Marie' });
  out.regJr = await reg({ lastName: 'Smith Jr.' });
  out.regDigits = await reg({ lastName: 'Louis 14' });
  out.regCJK = await reg({ firstName: '李' });
  out.regCurlyApos = await reg({ lastName: 'O’Brien' });
  out.regDup = await reg({ username: a.username });
  out.regDupEmail = await reg({ email: a.email });
  out.regDupEmailCase = await reg({ email: a.email.toUpperCase() });
  // passwords
  const mailBefore = platform.mailbox.countFor('pwtest@example.com');
  await q('mutation { register(input: {username: "pwtest", email: "pwtest@example.com", firstName: "Pw", lastName: "Test"}) { message } }');
  const mail = await platform.mailbox.waitFor('pwtest@example.com', mailBefore + 1);
  const confirmToken = tokenInLink(mail);
  const confirmed = await q('mutation($t: String!) { confirmEmail(token: $t) { passwordSetupToken expiresAt } }', { t: confirmToken });
  out.confirmed = confirmed;
  out.confirmReuse = await q('mutation($t: String!) { confirmEmail(token: $t) { passwordSetupToken } }', { t: confirmToken });
  out.confirmGarbage = await q('mutation($t: String!) { confirmEmail(token: $t) { passwordSetupToken } }', { t: 'garbage' });
  const setup = (confirmed.data as any).confirmEmail.passwordSetupToken;
  const sp = (password: string) => q('mutation($t: String!, $p: String!) { setPassword(token: $t, password: $p) }', { t: setup, p: password });
  out.pw11 = await sp('abcdefghijk');
  out.pw129 = await sp('a1b2c3d4e5f6'.repeat(11).slice(0, 129));
  out.pwCommon = await sp('password1234');
  out.pwCommon2 = await sp('123456789012');
  out.pwCommon3 = await sp('qwertyuiopasdfgh');
  out.pwUsername = await sp('pwtestpwtest');
  out.pw128 = await sp('Zq9!'.repeat(32));
  out.pwReuse = await sp('Zq9!'.repeat(30));
  out.setGarbage = await q('mutation { setPassword(token: "garbage", password: "Zq9!Zq9!Zq9!Zq9!") }');
  // logins
  out.loginLong = await q('mutation($p: String!) { login(usernameOrEmail: "pwtest", password: $p) { accessToken refreshToken expiresAt } }', { p: 'Zq9!'.repeat(32) });
  out.loginUpper = await q('mutation($p: String!) { login(usernameOrEmail: "PWTEST@EXAMPLE.COM", password: $p) { expiresAt } }', { p: 'Zq9!'.repeat(32) });
  out.loginUpperName = await q('mutation($p: String!) { login(usernameOrEmail: "PwTest", password: $p) { expiresAt } }', { p: 'Zq9!'.repeat(32) });
  out.loginTruncated = await q('mutation($p: String!) { login(usernameOrEmail: "pwtest", password: $p) { expiresAt } }', { p: 'Zq9!'.repeat(31) });
  out.loginUnknown = await q('mutation { login(usernameOrEmail: "nobody-here", password: "whatever-long-1") { expiresAt } }');
  const jwt = (a.accessToken as string).split('.');
  out.jwtHeader = JSON.parse(Buffer.from(jwt[0]!, 'base64url').toString());
  out.jwtPayload = JSON.parse(Buffer.from(jwt[1]!, 'base64url').toString());
  // refresh
  const r1 = await q('mutation($t: String!) { refreshToken(token: $t) { accessToken refreshToken expiresAt } }', { t: a.refreshToken });
  out.refresh1 = { status: r1.status, errors: r1.errors };
  out.refreshReuse = await q('mutation($t: String!) { refreshToken(token: $t) { accessToken } }', { t: a.refreshToken });
  out.refreshNewAfterReuse = await q('mutation($t: String!) { refreshToken(token: $t) { accessToken } }', { t: (r1.data as any)?.refreshToken?.refreshToken });
  out.refreshGarbage = await q('mutation { refreshToken(token: "garbage") { accessToken } }');
  // logout
  out.logoutB = await q('mutation($t: String) { logout(refreshToken: $t) }', { t: b.refreshToken }, b.accessToken);
  out.logoutAnon = await q('mutation { logout }');
  await new Promise((r) => setTimeout(r, 7000));
  out.meAfterLogout = await q('{ me { id } }', {}, b.accessToken);
  out.refreshAfterLogout = await q('mutation($t: String!) { refreshToken(token: $t) { accessToken } }', { t: b.refreshToken });
  // deactivate + login
  const c = await signUp(platform);
  out.deactivate = await q('mutation($id: ID!) { deactivateAccount(id: $id) { id status } }', { id: c.accountId }, admin.accessToken);
  out.loginDeactivated = await q('mutation($u: String!, $p: String!) { login(usernameOrEmail: $u, password: $p) { expiresAt } }', { u: c.username, p: c.password });
  out.deleteC = await q('mutation($id: ID!) { deleteAccount(id: $id) }', { id: c.accountId }, admin.accessToken);
  out.adminAfterDelete = await q('query($id: ID!) { account(id: $id) { id } }', { id: c.accountId }, admin.accessToken);
  out.meAll = await q('{ me { id username email firstName lastName status createdAt updatedAt roles lastLoginAt } }', {}, a.accessToken);
  // direct subgraph calls
  const direct = await fetch(platform.account.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.accessToken}` }, body: JSON.stringify({ query: '{ accounts { totalCount } }' }) });
  out.directWithUserToken = { status: direct.status, body: (await direct.text()).slice(0, 300) };
  // GET mutation
  const get = await fetch(`${platform.gatewayUrl}?query=${encodeURIComponent('mutation { logout }')}`, { headers: { 'apollo-require-preflight': 'true' } });
  out.getMutation = { status: get.status, body: (await get.text()).slice(0, 300) };
}, 120_000);
