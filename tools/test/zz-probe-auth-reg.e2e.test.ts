import fs from 'node:fs';
import { ConfirmEmailDocument, LoginDocument, MeDocument, RegisterDocument, RequestPasswordResetDocument, ResendConfirmationDocument, SetPasswordDocument } from './support/operations.generated';
import { codes, send, sendRaw } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { tokenInLink } from './support/smtp-mailbox';
import { eventually, signUp, STRONG_PASSWORD } from './support/users';

let platform: TestPlatform;
const out: Record<string, unknown> = {};
const log = (k: string, v: unknown) => {
  out[k] = v;
  fs.writeFileSync('/tmp/audit-auth/reg.json', JSON.stringify(out, null, 2));
};
beforeAll(async () => {
  platform = await startTestPlatform({ MAIL_PER_RECIPIENT_PER_HOUR: '3' });
});
afterAll(() => platform?.stop());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('address-list syntax in email', async () => {
  const variants = ['a<victim@example.com>', 'b<victim@example.com>', 'victim@example.com(c)', 'g:victim@example.com;', 'c<victim@example.com>'];
  const answers = [];
  for (const [i, email] of variants.entries()) {
    const r = await send(platform.gatewayUrl, RegisterDocument, { input: { username: `victimx${i}`, email, firstName: 'Vic', lastName: 'Tim' } });
    answers.push({ email, errors: r.errors?.map((e) => e.extensions) });
  }
  await sleep(3000);
  log('addressList', { answers, toVictim: platform.mailbox.countFor('victim@example.com'), all: platform.mailbox.received.map((m) => m.to) });
  const rows = await platform.account.runtime.orm.em.fork().execute("SELECT username, email, status FROM accounts WHERE username LIKE 'victimx%'");
  log('addressListRows', rows);
  // Can one confirm and sign in with such an address?
  const mail = platform.mailbox.received.find((m) => m.to === 'victim@example.com');
  if (mail) {
    const c = await send(platform.gatewayUrl, ConfirmEmailDocument, { token: tokenInLink(mail) });
    const s = await send(platform.gatewayUrl, SetPasswordDocument, { token: c.data?.confirmEmail.passwordSetupToken ?? 'x', password: STRONG_PASSWORD });
    log('addressListConfirm', { c: c.errors, s: s.data ?? s.errors });
  }
});

it('email case / whitespace / unicode', async () => {
  const r = await send(platform.gatewayUrl, RegisterDocument, { input: { username: 'mixcase', email: '  Mixed.Case@Example.COM ', firstName: 'Mix', lastName: 'Case' } });
  await sleep(1500);
  log('mixedCase', { errors: r.errors, recipients: platform.mailbox.received.map((m) => m.to).filter((t) => /mixed/i.test(t)) });

  const u = await send(platform.gatewayUrl, RegisterDocument, { input: { username: 'elodie', email: 'Élodie@example.com', firstName: 'Élodie', lastName: 'Ñúñez' } });
  await sleep(1500);
  const mail = platform.mailbox.received.find((m) => /lodie/i.test(m.to));
  log('unicodeEmail', { errors: u.errors, to: mail?.to });
  if (mail) {
    const c = await send(platform.gatewayUrl, ConfirmEmailDocument, { token: tokenInLink(mail) });
    await send(platform.gatewayUrl, SetPasswordDocument, { token: c.data!.confirmEmail.passwordSetupToken, password: STRONG_PASSWORD });
    const results: Record<string, unknown> = {};
    for (const login of ['Élodie@example.com', 'élodie@example.com', 'elodie', 'ÉLODIE@EXAMPLE.COM']) {
      const l = await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: login, password: STRONG_PASSWORD });
      results[login] = l.data ? 'ok' : l.errors?.map((e) => e.extensions?.code);
    }
    log('unicodeLogin', results);
    // re-register same address, other case
    const before = platform.mailbox.received.length;
    await send(platform.gatewayUrl, RegisterDocument, { input: { username: 'elodie2', email: 'élodie@example.com', firstName: 'E', lastName: 'N' } });
    await sleep(1500);
    log('unicodeReRegister', platform.mailbox.received.slice(before).map((m) => [m.to, m.subject]));
  }
  const [lc] = await platform.account.runtime.orm.em.fork().execute("SELECT lower('ÉLODIE') AS l, current_setting('lc_collate') AS c, (SELECT datcollate FROM pg_database WHERE datname = current_database()) AS d");
  log('dbLower', lc);
});

it('names', async () => {
  const names = ['José', 'Jose\u0301', 'Zoë', 'Nguyễn', "O'Brien", 'Mary-Jane', 'J. R. R.', '李', 'Łukasz', 'de la Cruz', 'Anne--Marie', ' Ada ', 'Ada  Lovelace', 'Paral·lel', 'Smith Jr.', 'ʻOkina', 'Mc Donald', 'Émile-Auguste', 'Ёлка', 'Renée ', 'x'.repeat(100), 'Ab3', 'محمد', 'देवनागरी', 'Ng\u200Cuyen', 'A.B.', 'St.John', "d'Artagnan"];
  const res: Record<string, unknown> = {};
  let i = 0;
  for (const name of names) {
    i += 1;
    const r = await send(platform.gatewayUrl, RegisterDocument, { input: { username: `nm${i}x`, email: `nm${i}x@example.com`, firstName: name, lastName: 'Test' } });
    res[JSON.stringify(name)] = r.errors ? r.errors.map((e) => [e.extensions?.code, e.extensions?.field]) : 'ok';
  }
  log('names', res);
});

it('usernames', async () => {
  const res: Record<string, unknown> = {};
  for (const u of [' padded ', 'a'.repeat(32), 'a'.repeat(33), 'ab', 'Über', 'user@x', 'dot.dash-under_']) {
    const r = await send(platform.gatewayUrl, RegisterDocument, { input: { username: u, email: `u${Math.random().toString(16).slice(2, 8)}@example.com`, firstName: 'A', lastName: 'B' } });
    res[JSON.stringify(u)] = r.errors ? r.errors.map((e) => [e.extensions?.code, e.extensions?.field]) : 'ok';
  }
  log('usernames', res);
});

it('confirm flow edge cases', async () => {
  await send(platform.gatewayUrl, RegisterDocument, { input: { username: 'edge1', email: 'edge1@example.com', firstName: 'E', lastName: 'D' } });
  const token = tokenInLink(await platform.mailbox.waitFor('edge1@example.com'));
  const first = await send(platform.gatewayUrl, ConfirmEmailDocument, { token });
  const again = await send(platform.gatewayUrl, ConfirmEmailDocument, { token });
  const empty = await send(platform.gatewayUrl, ConfirmEmailDocument, { token: '' });
  const long = await send(platform.gatewayUrl, ConfirmEmailDocument, { token: 'x'.repeat(5000) });
  log('confirm', { first: first.errors, again: again.errors, empty: empty.errors, long: long.errors });
  const setup = first.data!.confirmEmail.passwordSetupToken;
  const pw: Record<string, unknown> = {};
  for (const [k, p] of Object.entries({ p11: 'abcdefghijk', p12: 'abcdefghijkl', p128: 'abcdefghij'.repeat(12) + 'abcdefgh', p129: 'abcdefghij'.repeat(12) + 'abcdefghi', emoji12: '😀😃😄😁😆😅🤣😂🙂🙃😉😊', spaces: '            ', username: 'edge1-is-my-name!' })) {
    // policy is checked before the token is spent
    const r = await send(platform.gatewayUrl, SetPasswordDocument, { token: 'garbage', password: p });
    pw[k] = r.errors?.map((e) => [e.extensions?.code, e.extensions?.field, e.message]);
  }
  log('passwordWithGarbageToken', pw);
  const weak = await send(platform.gatewayUrl, SetPasswordDocument, { token: setup, password: 'abcdefghijk' });
  const ok = await send(platform.gatewayUrl, SetPasswordDocument, { token: setup, password: 'abcdefghij'.repeat(12) + 'abcdefgh' });
  const reuse = await send(platform.gatewayUrl, SetPasswordDocument, { token: setup, password: STRONG_PASSWORD });
  log('setPassword', { weak: weak.errors?.map((e) => e.extensions), ok: ok.data ?? ok.errors, reuse: reuse.errors?.map((e) => [e.extensions, e.message]) });
  // resend for active account; register again with the active email; request reset
  const n = platform.mailbox.countFor('edge1@example.com');
  await send(platform.gatewayUrl, ResendConfirmationDocument, { email: 'edge1@example.com' });
  await send(platform.gatewayUrl, RegisterDocument, { input: { username: 'edge1b', email: 'EDGE1@example.com', firstName: 'E', lastName: 'D' } });
  await sleep(1500);
  log('afterActive', platform.mailbox.received.filter((m) => /edge1/i.test(m.to)).slice(n).map((m) => [m.to, m.subject]));
});

it('pending re-register with new details', async () => {
  await send(platform.gatewayUrl, RegisterDocument, { input: { username: 'typo1', email: 'pend@example.com', firstName: 'Old', lastName: 'Name' } });
  await platform.mailbox.waitFor('pend@example.com');
  await send(platform.gatewayUrl, RegisterDocument, { input: { username: 'fixed1', email: 'pend@example.com', firstName: 'New', lastName: 'Name' } });
  const mail2 = await platform.mailbox.waitFor('pend@example.com', 2);
  const c = await send(platform.gatewayUrl, ConfirmEmailDocument, { token: tokenInLink(mail2) });
  await send(platform.gatewayUrl, SetPasswordDocument, { token: c.data!.confirmEmail.passwordSetupToken, password: STRONG_PASSWORD });
  const l1 = await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: 'fixed1', password: STRONG_PASSWORD });
  const l2 = await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: 'typo1', password: STRONG_PASSWORD });
  log('pendingReRegister', { mail2: mail2.text.slice(0, 40), fixed1: l1.errors?.[0]?.extensions?.code ?? 'ok', typo1: l2.errors?.[0]?.extensions?.code ?? 'ok' });
});

it('reset mail and page', async () => {
  const user = await signUp(platform, 'resetme');
  const n = platform.mailbox.countFor(user.email);
  await send(platform.gatewayUrl, RequestPasswordResetDocument, { email: ' RESETME@example.com ' });
  await eventually(async () => platform.mailbox.countFor(user.email) > n);
  const mail = platform.mailbox.received.filter((m) => m.to === user.email).at(-1)!;
  log('resetMail', mail.text);
  const base = new URL(platform.gatewayUrl).origin;
  const page = await fetch(`${base}/reset-password?token=abc`);
  const html = await page.text();
  log('resetPage', { status: page.status, headers: Object.fromEntries(page.headers), title: /<title>(.*)<\/title>/.exec(html)?.[1] });
  const me = await send(platform.gatewayUrl, MeDocument, {}, user.accessToken);
  log('me', me.data);
  const raw = await sendRaw(platform.gatewayUrl, { query: 'mutation { register(input: {username: "abc", email: "abc@example.com", firstName: "A"}) { message } }' });
  log('missingField', { status: raw.status, errors: raw.errors });
});
