import { createHash, randomUUID } from 'node:crypto';
import { EnvReader, readSigningKeys, signPasswordSetupToken } from '@herck/common';
import { ConfirmEmailDocument, LoginDocument, MeDocument, RegisterDocument, ResendConfirmationDocument, SetPasswordDocument, UpdateAccountDocument } from './support/operations.generated';
import { codes, send } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { tokenInLink } from './support/smtp-mailbox';
import { signUp, STRONG_PASSWORD } from './support/users';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform?.stop());

const profile = (username: string) => ({ username, email: `${username}@example.com`, firstName: 'Ada', lastName: 'Lovelace' });

describe('register → confirm → set password → login → me', () => {
  it('returns the federated account: profile from account, roles and last login from auth', async () => {
    const user = await signUp(platform, 'ada');
    const me = await send(platform.gatewayUrl, MeDocument, {}, user.accessToken);
    expect(me.errors).toBeUndefined();
    expect(me.data?.me).toMatchObject({
      id: user.accountId,
      username: 'ada',
      email: 'ada@example.com',
      status: 'ACTIVE',
      roles: ['USER'],
    });
    expect(Date.parse(me.data!.me!.lastLoginAt!)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('stores only a hash of the mailed token, and the password only as argon2id in the auth database', async () => {
    await send(platform.gatewayUrl, RegisterDocument, { input: profile('babbage') });
    const token = tokenInLink(await platform.mailbox.waitFor('babbage@example.com'));
    const [row] = await platform.account.runtime.orm.em.fork().execute("SELECT confirmation_token_hash FROM accounts WHERE username = 'babbage'");
    expect(row.confirmation_token_hash).toBe(createHash('sha256').update(token).digest('hex'));

    const [credential] = await platform.auth.runtime.orm.em.fork().execute("SELECT password_hash FROM credentials WHERE username = 'ada'");
    expect(credential.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const passwordColumns = await platform.account.runtime.orm.em
      .fork()
      .execute("SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name ILIKE '%password%'");
    expect(passwordColumns).toEqual([]);
  });

  it('signs in with the email address too, in any letter case', async () => {
    const login = await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: 'ADA@Example.com', password: STRONG_PASSWORD });
    expect(login.data?.login.tokenType).toBe('Bearer');
  });
});

describe('register', () => {
  it('answers the same whether or not the email or username is taken, and never shows the token', async () => {
    const fresh = await send(platform.gatewayUrl, RegisterDocument, { input: profile('grace') });
    const sameEmail = await send(platform.gatewayUrl, RegisterDocument, { input: { ...profile('other'), email: 'grace@example.com' } });
    const sameName = await send(platform.gatewayUrl, RegisterDocument, { input: { ...profile('grace'), email: 'someone@example.com' } });
    expect(fresh.data).toEqual(sameEmail.data);
    expect(fresh.data).toEqual(sameName.data);
    expect(JSON.stringify([fresh, sameEmail, sameName])).not.toMatch(/token/i);
    const mailToTaker = await platform.mailbox.waitFor('someone@example.com');
    expect(mailToTaker.text).toContain('not available');
  });

  it('made four times at once for one username: one confirmation, and each other registrant is told by mail', async () => {
    const emails = [0, 1, 2, 3].map((index) => `twin${index}@example.com`);
    await Promise.all(emails.map((email, index) => send(platform.gatewayUrl, RegisterDocument, { input: { ...profile(index % 2 ? 'Twins' : 'twins'), email } })));
    const subjects = await Promise.all(emails.map(async (email) => (await platform.mailbox.waitFor(email)).subject));
    expect(subjects.filter((subject) => subject === 'Choose another Herck username')).toHaveLength(3);
    expect(emails.map((email) => platform.mailbox.countFor(email))).toEqual([1, 1, 1, 1]);
  });

  it('rejects malformed input with BAD_USER_INPUT and stores nothing', async () => {
    const cases = [
      { ...profile('bob'), email: 'not-an-email' },
      { ...profile('bob'), email: 'bob\u0007@example.com' },
      { ...profile('bob'), email: '.bob@example.com' },
      { ...profile('b') },
      { ...profile('bob'), firstName: 'x'.repeat(101) },
      { ...profile('bob'), username: 'bad name!' },
      { ...profile('bob'), username: 'b'.repeat(65) },
    ];
    for (const input of cases) {
      const response = await send(platform.gatewayUrl, RegisterDocument, { input });
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(platform.mailbox.countFor('bob@example.com')).toBe(0);
    expect(platform.mailbox.countFor('not-an-email')).toBe(0);
  });

  it('takes a username of up to 64 characters, such as a prefix and a UUID', async () => {
    const username = `user-${randomUUID()}-${'x'.repeat(64 - 42)}`;
    expect(username).toHaveLength(64);
    const email = `${username.slice(0, 20)}@example.com`;
    const answer = await send(platform.gatewayUrl, RegisterDocument, { input: { ...profile('unused'), username, email } });
    expect(answer.errors).toBeUndefined();
    expect((await platform.mailbox.waitFor(email)).text).toContain('Hello Ada,');
  });

  it('frees the username of a registration that was never confirmed in time', async () => {
    await send(platform.gatewayUrl, RegisterDocument, { input: { ...profile('claimed'), email: 'first@example.com' } });
    const stale = tokenInLink(await platform.mailbox.waitFor('first@example.com'));
    await send(platform.gatewayUrl, RegisterDocument, { input: { ...profile('claimed'), email: 'second@example.com' } });
    expect((await platform.mailbox.waitFor('second@example.com')).text).toContain('not available');

    await platform.account.runtime.orm.em.fork().execute("UPDATE accounts SET confirmation_expires_at = now() - interval '1 second' WHERE username = 'claimed'");
    await send(platform.gatewayUrl, RegisterDocument, { input: { ...profile('claimed'), email: 'second@example.com' } });
    const fresh = tokenInLink(await platform.mailbox.waitFor('second@example.com', 2));
    expect((await send(platform.gatewayUrl, ConfirmEmailDocument, { token: fresh })).data?.confirmEmail.passwordSetupToken).toEqual(expect.any(String));
    expect(codes(await send(platform.gatewayUrl, ConfirmEmailDocument, { token: stale }))).toEqual(['BAD_USER_INPUT']);
  });

  it('frees such a username for an existing account to take, too', async () => {
    await send(platform.gatewayUrl, RegisterDocument, { input: { ...profile('lapsed'), email: 'lapsed@example.com' } });
    await platform.mailbox.waitFor('lapsed@example.com');
    const renamer = await signUp(platform);
    expect(codes(await send(platform.gatewayUrl, UpdateAccountDocument, { input: { username: 'lapsed' } }, renamer.accessToken))).toEqual(['CONFLICT']);
    await platform.account.runtime.orm.em.fork().execute("UPDATE accounts SET confirmation_expires_at = now() - interval '1 second' WHERE username = 'lapsed'");
    const renamed = await send(platform.gatewayUrl, UpdateAccountDocument, { input: { username: 'lapsed' } }, renamer.accessToken);
    expect([renamed.errors, renamed.data?.updateAccount.username]).toEqual([undefined, 'lapsed']);
    expect((await platform.account.runtime.orm.em.fork().execute("SELECT email FROM accounts WHERE username = 'lapsed'")).map((row) => row.email)).toEqual([renamer.email]);
  });

  it('resends a working link to a pending account and says nothing about unknown ones', async () => {
    await send(platform.gatewayUrl, RegisterDocument, { input: profile('hopper') });
    await platform.mailbox.waitFor('hopper@example.com');
    const resent = await send(platform.gatewayUrl, ResendConfirmationDocument, { email: 'hopper@example.com' });
    const unknown = await send(platform.gatewayUrl, ResendConfirmationDocument, { email: 'nobody@example.com' });
    expect(resent.data).toEqual(unknown.data);
    const second = await platform.mailbox.waitFor('hopper@example.com', 2);
    const confirmed = await send(platform.gatewayUrl, ConfirmEmailDocument, { token: tokenInLink(second) });
    expect(confirmed.data?.confirmEmail.passwordSetupToken).toEqual(expect.any(String));
  });

  it('resends a link asked for the moment register answered, the registration being written after the answer', async () => {
    // Several rounds: the resend used to overtake the registration's write about half the time.
    for (const username of ['eager0', 'eager1', 'eager2', 'eager3', 'eager4', 'eager5']) {
      const { email } = profile(username);
      await send(platform.gatewayUrl, RegisterDocument, { input: profile(username) });
      await send(platform.gatewayUrl, ResendConfirmationDocument, { email });
      const [first, second] = [await platform.mailbox.waitFor(email, 1), await platform.mailbox.waitFor(email, 2).catch(() => null)];
      expect([username, second?.subject]).toEqual([username, first.subject]);
      // The newer link is the one that works.
      expect(codes(await send(platform.gatewayUrl, ConfirmEmailDocument, { token: tokenInLink(first) }))).toEqual(['BAD_USER_INPUT']);
      expect((await send(platform.gatewayUrl, ConfirmEmailDocument, { token: tokenInLink(second!) })).errors).toBeUndefined();
    }
  });
});

describe('confirmEmail and setPassword tokens', () => {
  it('are single use', async () => {
    await send(platform.gatewayUrl, RegisterDocument, { input: profile('turing') });
    const token = tokenInLink(await platform.mailbox.waitFor('turing@example.com'));
    const first = await send(platform.gatewayUrl, ConfirmEmailDocument, { token });
    const again = await send(platform.gatewayUrl, ConfirmEmailDocument, { token });
    expect(codes(again)).toEqual(['BAD_USER_INPUT']);

    const setupToken = first.data!.confirmEmail.passwordSetupToken;
    expect((await send(platform.gatewayUrl, SetPasswordDocument, { token: setupToken, password: STRONG_PASSWORD })).data?.setPassword).toBe(true);
    const reuse = await send(platform.gatewayUrl, SetPasswordDocument, { token: setupToken, password: 'another-Long-passphrase-9' });
    expect(codes(reuse)).toEqual(['BAD_USER_INPUT']);
    const login = await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: 'turing', password: STRONG_PASSWORD });
    expect(login.data?.login.accessToken).toEqual(expect.any(String));
  });

  it('refuse an expired confirmation link and an expired setup token', async () => {
    await send(platform.gatewayUrl, RegisterDocument, { input: profile('hamming') });
    const token = tokenInLink(await platform.mailbox.waitFor('hamming@example.com'));
    await platform.account.runtime.orm.em.fork().execute("UPDATE accounts SET confirmation_expires_at = now() - interval '1 second' WHERE username = 'hamming'");
    expect(codes(await send(platform.gatewayUrl, ConfirmEmailDocument, { token }))).toEqual(['BAD_USER_INPUT']);

    const accountKey = readSigningKeys(new EnvReader({}), { envName: 'SETUP_TOKEN', devFile: 'setup-token.pem', dataDir: platform.env.HERCK_DATA_DIR!, production: false })[0]!;
    const expired = signPasswordSetupToken(accountKey, { accountId: randomUUID(), username: 'hamming', email: 'hamming@example.com', version: 9 }, -1);
    expect(codes(await send(platform.gatewayUrl, SetPasswordDocument, { token: expired.token, password: STRONG_PASSWORD }))).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses unknown and forged tokens', async () => {
    expect(codes(await send(platform.gatewayUrl, ConfirmEmailDocument, { token: 'made-up' }))).toEqual(['BAD_USER_INPUT']);
    const forged = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    expect(codes(await send(platform.gatewayUrl, SetPasswordDocument, { token: forged, password: STRONG_PASSWORD }))).toEqual(['BAD_USER_INPUT']);
  });

  it('enforces the password policy: 12 to 128 characters, no common passwords, nothing stored on refusal', async () => {
    await send(platform.gatewayUrl, RegisterDocument, { input: profile('lamport') });
    const token = tokenInLink(await platform.mailbox.waitFor('lamport@example.com'));
    const setupToken = (await send(platform.gatewayUrl, ConfirmEmailDocument, { token })).data!.confirmEmail.passwordSetupToken;
    for (const password of ['short', 'x'.repeat(129), 'passwordpassword', 'aaaaaaaaaaaaaaaa', 'lamport-lamport-1']) {
      const refused = await send(platform.gatewayUrl, SetPasswordDocument, { token: setupToken, password });
      expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
    }
    // The refusals did not spend the token; a 128-character password is kept whole.
    const long = 'Long-passphrase-'.repeat(8);
    expect((await send(platform.gatewayUrl, SetPasswordDocument, { token: setupToken, password: long })).data?.setPassword).toBe(true);
    const truncated = await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: 'lamport', password: long.slice(0, 72) });
    expect(codes(truncated)).toEqual(['UNAUTHENTICATED']);
    expect((await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: 'lamport', password: long })).data?.login).toBeDefined();
  });
});

describe('registering again before confirming', () => {
  it('counts the details given last: the newest link confirms its username and names, and the first username is free again', async () => {
    const email = 'second-thoughts@example.com';
    await send(platform.gatewayUrl, RegisterDocument, { input: { username: 'typoed', email, firstName: 'Ada', lastName: 'Lovelace' } });
    await platform.mailbox.waitFor(email);
    await send(platform.gatewayUrl, RegisterDocument, { input: { username: 'intended', email, firstName: 'Augusta', lastName: 'King' } });
    const mail = await platform.mailbox.waitFor(email, 2);
    expect(mail.text).toContain('Hello Augusta,');

    const setupToken = (await send(platform.gatewayUrl, ConfirmEmailDocument, { token: tokenInLink(mail) })).data!.confirmEmail.passwordSetupToken;
    expect((await send(platform.gatewayUrl, SetPasswordDocument, { token: setupToken, password: STRONG_PASSWORD })).data?.setPassword).toBe(true);
    const login = await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: 'intended', password: STRONG_PASSWORD });
    const me = await send(platform.gatewayUrl, MeDocument, {}, login.data?.login.accessToken);
    expect(me.data?.me).toMatchObject({ username: 'intended', email, firstName: 'Augusta', lastName: 'King' });
    // The name given first is held by nobody now: someone else registers it.
    expect((await signUp(platform, 'typoed')).username).toBe('typoed');
  });

  it('keeps the pending registration as it was when the new username is taken, and says so by mail', async () => {
    const holder = await signUp(platform);
    const email = 'taken-second@example.com';
    await send(platform.gatewayUrl, RegisterDocument, { input: { username: 'firstchoice', email, firstName: 'Ada', lastName: 'Lovelace' } });
    const first = await platform.mailbox.waitFor(email);
    await send(platform.gatewayUrl, RegisterDocument, { input: { username: holder.username, email, firstName: 'Augusta', lastName: 'King' } });
    expect((await platform.mailbox.waitFor(email, 2)).subject).toBe('Choose another Herck username');
    // The first link still works, for the first details.
    expect((await send(platform.gatewayUrl, ConfirmEmailDocument, { token: tokenInLink(first) })).errors).toBeUndefined();
    const [row] = await platform.account.runtime.orm.em.fork().execute('SELECT username, first_name FROM accounts WHERE email = ?', [email]);
    expect(row).toEqual({ username: 'firstchoice', first_name: 'Ada' });
  });
});
