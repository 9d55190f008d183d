import { createHash } from 'node:crypto';
import pg from 'pg';
import { ConfirmEmailDocument, LoginDocument, RefreshTokenDocument, RegisterDocument, RequestPasswordResetDocument, SetPasswordDocument } from './support/operations.generated';
import { codes, send } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { tokenInLink } from './support/smtp-mailbox';
import { eventually, signUp, STRONG_PASSWORD } from './support/users';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform?.stop());

describe('requestPasswordReset', () => {
  it('mails an active account a single-use link to choose a new password, which ends old sessions', async () => {
    const user = await signUp(platform, 'forgetful');
    const answer = await send(platform.gatewayUrl, RequestPasswordResetDocument, { email: user.email });
    const mail = await platform.mailbox.waitFor(user.email, 2);
    expect(mail.text).toContain('/reset-password?token=');
    const token = tokenInLink(mail);

    const newPassword = 'brand-New-passphrase-77';
    expect((await send(platform.gatewayUrl, SetPasswordDocument, { token, password: newPassword })).data?.setPassword).toBe(true);
    expect(codes(await send(platform.gatewayUrl, SetPasswordDocument, { token, password: 'another-Passphrase-88' }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: user.password }))).toEqual(['UNAUTHENTICATED']);
    expect((await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: newPassword })).data?.login).toBeDefined();
    expect(codes(await send(platform.gatewayUrl, RefreshTokenDocument, { token: user.refreshToken }))).toEqual(['UNAUTHENTICATED']);

    // Unknown and pending addresses get the same answer and no mail.
    await send(platform.gatewayUrl, RegisterDocument, { input: { username: 'waiting', email: 'waiting@example.com', firstName: 'W', lastName: 'X' } });
    await platform.mailbox.waitFor('waiting@example.com');
    const unknown = await send(platform.gatewayUrl, RequestPasswordResetDocument, { email: 'nobody@example.com' });
    const pending = await send(platform.gatewayUrl, RequestPasswordResetDocument, { email: 'waiting@example.com' });
    expect(unknown.data).toEqual(answer.data);
    expect(pending.data).toEqual(answer.data);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(platform.mailbox.countFor('nobody@example.com')).toBe(0);
    expect(platform.mailbox.countFor('waiting@example.com')).toBe(1);
  });

  it('links to a page that asks for the new password straight away; the confirmation page asks to confirm first', async () => {
    const reset = await fetch(new URL('/reset-password?token=abc', platform.gatewayUrl));
    expect(reset.status).toBe(200);
    const resetHtml = await reset.text();
    expect(resetHtml).toMatch(/<form id="confirm" method="post" hidden>/);
    expect(resetHtml).toMatch(/<form id="password" method="post" >/);
    expect(resetHtml).toContain('<title>Choose a new Herck password</title>');
    const confirmHtml = await (await fetch(new URL('/confirm-email?token=abc', platform.gatewayUrl))).text();
    expect(confirmHtml).toContain('<title>Confirm your Herck account</title>');
    expect(confirmHtml).toMatch(/<form id="confirm" method="post" >/);
    expect(confirmHtml).toMatch(/<form id="password" method="post" hidden>/);
  });

  it('are what the mailed links open: the running gateway, whatever port it was given', async () => {
    const user = await signUp(platform, 'linkfollower');
    await send(platform.gatewayUrl, RequestPasswordResetDocument, { email: user.email });
    const mails = [await platform.mailbox.waitFor(user.email, 1), await platform.mailbox.waitFor(user.email, 2)];
    const titles = [];
    for (const mail of mails) {
      const link = /https?:\/\/\S+/.exec(mail.text)?.[0];
      // Followed as a mail reader would: the address as written, nothing of the test's own URL.
      const page = await fetch(link!);
      titles.push([page.status, /<title>(.*)<\/title>/.exec(await page.text())?.[1]]);
    }
    expect(titles).toEqual([
      [200, 'Confirm your Herck account'],
      [200, 'Choose a new Herck password'],
    ]);
  });

  it('serve those pages, whose address holds a token, uncached, unframed and without a referrer', async () => {
    for (const path of ['/reset-password?token=abc', '/confirm-email?token=abc']) {
      const { headers } = await fetch(new URL(path, platform.gatewayUrl));
      expect([path, headers.get('cache-control'), headers.get('referrer-policy'), headers.get('x-frame-options'), headers.get('x-content-type-options')]).toEqual([path, 'no-store', 'no-referrer', 'DENY', 'nosniff']);
    }
  });

  it("run their own script and style only, talk to the API's origin only, and send no form anywhere (no password in an address)", async () => {
    const digest = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    for (const path of ['/reset-password?token=abc', '/confirm-email?token=abc']) {
      const page = await fetch(new URL(path, platform.gatewayUrl));
      const html = await page.text();
      // What a browser hashes: each inline element's text, exactly.
      const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
      const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
      expect(page.headers.get('content-security-policy')).toBe(
        `default-src 'none'; script-src ${digest(script)}; style-src ${digest(style)}; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'`,
      );
      expect(html.match(/<script/g)).toHaveLength(1);
      expect(html.match(/<form [^>]*method="post"/g)).toHaveLength(2);
    }
  });
});

describe('a password setup token', () => {
  it('is refused once a newer version of its account is on the bus, however soon it is used', async () => {
    await send(platform.gatewayUrl, RegisterDocument, { input: { username: 'outpaced', email: 'outpaced@example.com', firstName: 'Out', lastName: 'Paced' } });
    const link = tokenInLink(await platform.mailbox.waitFor('outpaced@example.com', 1));
    const setup = (await send(platform.gatewayUrl, ConfirmEmailDocument, { token: link })).data!.confirmEmail.passwordSetupToken;
    const [account] = await platform.account.runtime.orm.em.fork().execute<{ id: string; username: string; email: string; version: number }[]>('SELECT id, username, email, version FROM accounts WHERE email = ?', [
      'outpaced@example.com',
    ]);
    const authDb = () => platform.auth.runtime.orm.em.fork();
    await eventually(async () => (await authDb().execute('SELECT 1 FROM credentials WHERE account_id = ? AND account_version = ?', [account!.id, account!.version])).length === 1);
    // The account's next version on the bus, as a reset request puts it there before its mail goes; without the
    // notification that wakes auth's consumer at once (it polls every second), as when it is busy elsewhere.
    const bus = new pg.Client({ connectionString: platform.auth.runtime.config.busUrl });
    await bus.connect();
    try {
      const changed = { id: account!.id, username: account!.username, email: account!.email, status: 'ACTIVE', version: account!.version + 1 };
      await bus.query("INSERT INTO bus_events (id, type, source, payload) VALUES (gen_random_uuid(), 'account.changed', 'account', $1)", [JSON.stringify(changed)]);
    } finally {
      await bus.end();
    }
    expect(codes(await send(platform.gatewayUrl, SetPasswordDocument, { token: setup, password: STRONG_PASSWORD }))).toEqual(['BAD_USER_INPUT']);
  });
});
