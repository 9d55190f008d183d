import { sendRaw } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { logIn, signUp, STRONG_PASSWORD } from './support/users';
import { tokenInLink } from './support/smtp-mailbox';

const ADMIN_EMAIL = 'root@example.com';
const ADMIN_PASSWORD = 'first-Admin-passphrase-42';
let platform: TestPlatform;
let admin: { accessToken: string };

function brief(res: { status: number; data?: unknown; errors?: readonly any[] }) {
  return { status: res.status, data: res.data, errors: res.errors?.map((e) => ({ m: e.message.slice(0, 160), p: e.path, c: e.extensions?.code, f: e.extensions?.field, r: e.extensions?.retryAfterSeconds })) };
}
const q = (query: string, variables: Record<string, unknown> = {}, token?: string) => sendRaw(platform.gatewayUrl, { query, variables }, token).then(brief);
const log = (k: string, v: unknown) => console.log(`PROBE ${k} ${JSON.stringify(v).slice(0, 1500)}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  platform = await startTestPlatform({ HERCK_ADMIN_EMAIL: ADMIN_EMAIL, HERCK_ADMIN_PASSWORD: ADMIN_PASSWORD, MAIL_REQUESTS_PER_CLIENT_PER_HOUR: '1000' });
  admin = await logIn(platform, ADMIN_EMAIL, ADMIN_PASSWORD);
}, 60_000);
afterAll(() => platform?.stop());

async function registerAndConfirm(username: string, email: string) {
  const before = platform.mailbox.countFor(email);
  const r = await q('mutation($i: RegisterInput!) { register(input: $i) { message } }', { i: { username, email, firstName: 'Rev', lastName: 'Enant' } });
  const mail = await platform.mailbox.waitFor(email, before + 1);
  return { r, link: tokenInLink(mail) };
}

it('probes', async () => {
  // 10: skip/include and __ fields with spreads beside denied fields
  log('skipSpreadAnon', await q('query { ...F @include(if: true) me { id } } fragment F on Query { __typename }'));
  log('typeSpreadAnon', await q('query { __type(name: "Account") { ...N } me { id } } fragment N on __Type { name }'));
  log('schemaSpreadAnon', await q('query { __schema { queryType { ...N } } me @skip(if: false) { id } } fragment N on __Type { name }'));
  log('skipTrueDenied', await q('query { __typename me @skip(if: true) { id } }'));

  // 1: resurrection
  const { link } = await registerAndConfirm('revenant', 'revenant@example.com');
  const confirmed = await q('mutation($t: String!) { confirmEmail(token: $t) { passwordSetupToken } }', { t: link });
  const setup = (confirmed.data as any).confirmEmail.passwordSetupToken;
  const found = await q('{ accounts(filter: {search: "revenant"}) { nodes { id username status } } }', {}, admin.accessToken);
  log('foundRevenant', found);
  const id = (found.data as any).accounts.nodes[0].id;
  log('deleteRevenant', await q('mutation($id: ID!) { deleteAccount(id: $id) }', { id }, admin.accessToken));
  await sleep(1500);
  log('setPwdAfterDelete', await q('mutation($t: String!) { setPassword(token: $t, password: $p) }'.replace('$p', '"plum-Orbit-7-lantern-Quiet"'), { t: setup }));
  log('loginAfterDelete', await q('mutation { login(usernameOrEmail: "revenant", password: "plum-Orbit-7-lantern-Quiet") { accessToken } }'));
  const again = await registerAndConfirm('Revenant', 'other-revenant@example.com');
  log('reRegister', again.r);
  const c2 = await q('mutation($t: String!) { confirmEmail(token: $t) { passwordSetupToken } }', { t: again.link });
  log('c2', c2.errors ?? 'ok');
  log('setPwd2', await q('mutation($t: String!) { setPassword(token: $t, password: "another-Quiet-lantern-88") }', { t: (c2.data as any)?.confirmEmail?.passwordSetupToken }));
  log('login2', await q('mutation { login(usernameOrEmail: "revenant", password: "another-Quiet-lantern-88") { expiresAt } }'));

  // 7: 10 simultaneous confirmations of one link
  const race = await registerAndConfirm('racer', 'racer@example.com');
  const answers = await Promise.all(Array.from({ length: 10 }, () => q('mutation($t: String!) { confirmEmail(token: $t) { passwordSetupToken } }', { t: race.link })));
  log('confirmRace', answers.map((a) => (a.data ? 'token' : a.errors?.[0]?.c)));
  // newer reset token kills older
  const u = await signUp(platform);
  const n0 = platform.mailbox.countFor(u.email);
  await q('mutation($e: String!) { requestPasswordReset(email: $e) { message } }', { e: u.email });
  const m1 = await platform.mailbox.waitFor(u.email, n0 + 1);
  await q('mutation($e: String!) { requestPasswordReset(email: $e) { message } }', { e: u.email });
  const m2 = await platform.mailbox.waitFor(u.email, n0 + 2);
  log('resetLinkLooksLike', tokenInLink(m1).slice(0, 20));
  log('resetOld', await q('mutation($t: String!) { setPassword(token: $t, password: "fresh-Lantern-orbit-55") }', { t: tokenInLink(m1) }));
  log('resetNew', await q('mutation($t: String!) { setPassword(token: $t, password: "fresh-Lantern-orbit-55") }', { t: tokenInLink(m2) }));
  log('oldTokenAfterReset', await q('{ me { id } }', {}, u.accessToken));
  await sleep(6000);
  log('oldTokenAfterReset6s', await q('{ me { id } }', {}, u.accessToken));

  // 3: 4 requests x 15 aliases of requestPasswordReset to one active address
  const v = await signUp(platform);
  const base = platform.mailbox.countFor(v.email);
  const aliases = (n: number) => `mutation($e: String!) { ${Array.from({ length: n }, (_, i) => `a${i}: requestPasswordReset(email: $e) { message }`).join(' ')} }`;
  const bursts = await Promise.all(Array.from({ length: 4 }, () => q(aliases(15), { e: v.email })));
  log('burstStatus', bursts.map((b) => [b.status, b.errors?.map((e) => e.c), Object.keys((b.data as any) ?? {}).length]));
  log('sixteenAliases', await q(aliases(16), { e: v.email }));
  const plusAliases = await Promise.all(Array.from({ length: 4 }, (_, k) => q(`mutation { ${Array.from({ length: 15 }, (_, i) => `a${i}: requestPasswordReset(email: "${v.email.replace('@', `+t${k}x${i}@`)}") { message }`).join(' ')} }`)));
  log('plusBurst', plusAliases.map((b) => [b.status, b.errors?.map((e) => e.c)]));
  await sleep(3000);
  log('mailsToVictim', platform.mailbox.countFor(v.email) - base);

  // 2: 60 simultaneous guesses, right one at 16, username/email mixed
  const w = await signUp(platform);
  const guesses = await Promise.all(
    Array.from({ length: 60 }, (_, i) => q('mutation($u: String!, $p: String!) { login(usernameOrEmail: $u, password: $p) { accessToken } }', { u: i % 2 ? w.email : w.username, p: i === 16 ? w.password : `wrong-guess-number-${i}` })),
  );
  const tally: Record<string, number> = {};
  for (const g of guesses) { const k = g.data ? 'TOKENS' : String(g.errors?.[0]?.c) + '/' + g.status; tally[k] = (tally[k] ?? 0) + 1; }
  log('guessTally', tally);
  log('guessRateLimitedSample', guesses.find((g) => g.errors?.[0]?.c === 'RATE_LIMITED'));
  log('rightPasswordAfter', await q('mutation($u: String!, $p: String!) { login(usernameOrEmail: $u, password: $p) { accessToken } }', { u: w.username, p: w.password }));

  // 9: deactivation / role change / deletion
  const x = await signUp(platform);
  log('setRolesAdmin', await q('mutation($id: ID!) { setRoles(accountId: $id, roles: [USER, ADMIN]) { id roles } }', { id: x.accountId }, admin.accessToken));
  await sleep(6000);
  log('xAccountsAfterGrant', await q('{ accounts(first: 1) { totalCount } }', {}, x.accessToken));
  log('setRolesUser', await q('mutation($id: ID!) { setRoles(accountId: $id, roles: [USER]) { id roles } }', { id: x.accountId }, admin.accessToken));
  log('setRolesEmpty', await q('mutation($id: ID!) { setRoles(accountId: $id, roles: []) { id roles } }', { id: x.accountId }, admin.accessToken));
  await sleep(6000);
  log('xAccountsAfterRevoke', await q('{ accounts(first: 1) { totalCount } }', {}, x.accessToken));
  log('xMe', await q('{ me { id roles } }', {}, x.accessToken));
  log('deactivateX', await q('mutation($id: ID!) { deactivateAccount(id: $id) { id status } }', { id: x.accountId }, admin.accessToken));
  await sleep(6000);
  log('xMeAfterDeactivate', await q('{ me { id } }', {}, x.accessToken));
  log('xRefreshAfterDeactivate', await q('mutation($t: String!) { refreshToken(token: $t) { accessToken } }', { t: x.refreshToken }));
  log('reactivateX', await q('mutation($id: ID!) { reactivateAccount(id: $id) { id status } }', { id: x.accountId }, admin.accessToken));
  await sleep(1500);
  log('xLoginAfterReactivate', await q('mutation($u: String!, $p: String!) { login(usernameOrEmail: $u, password: $p) { expiresAt } }', { u: x.username, p: STRONG_PASSWORD }));
}, 180_000);
