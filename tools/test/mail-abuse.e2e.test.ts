import { Logger } from '@herck/common';
import { ConfirmEmailDocument, RegisterDocument, RequestPasswordResetDocument, ResendConfirmationDocument } from './support/operations.generated';
import { codes, send, sendRaw } from './support/graphql-client';
import { SmtpMailbox, tokenInLink } from './support/smtp-mailbox';
import { TestPlatform, startTestPlatform } from './support/platform';
import { eventually, signUp } from './support/users';
import { freePort } from './support/free-port';
import { mailboxKey } from '../../subgraphs/account/src/modules/registration/mail-limits';

const PER_RECIPIENT = 3;
const PER_CLIENT = 80;

let platform: TestPlatform;
/** Account's log lines: each mail request decided in the background says so when it sends nothing. */
const accountLog: { msg: string }[] = [];
beforeAll(async () => {
  platform = await startTestPlatform(
    {
      TRUST_PROXY: 'loopback',
      MAIL_PER_RECIPIENT_PER_HOUR: String(PER_RECIPIENT),
      MAIL_REQUESTS_PER_CLIENT_PER_HOUR: String(PER_CLIENT),
    },
    { loggers: { account: new Logger('account', 'info', {}, (line) => void accountLog.push(JSON.parse(line))) } },
  );
});
afterAll(() => platform?.stop());

let clientNumber = 0;
const newClient = () => ({ 'x-forwarded-for': `198.51.100.${(clientNumber += 1)}` });
const accountDb = () => platform.account.runtime.orm.em.fork();

/** Mail requests refused so far for a mailbox that had enough mail this hour. */
const refusedMails = () => accountLog.filter((line) => line.msg === 'mail not sent: the recipient had enough mail this hour').length;

/** The mail budget's counter for one mailbox: the uses of this hour's allowance. */
async function usedBy(email: string): Promise<number> {
  const key = mailboxKey(email);
  const [row] = await accountDb().execute<{ points: number }[]>('SELECT points FROM rate_limits WHERE key = ?', [`mail-recipient:${key}`]);
  return row?.points ?? 0;
}

/** One request running each of the mail-sending mutation calls under an alias of its own. */
function aliased(calls: string[]): string {
  return `mutation { ${calls.map((call, i) => `m${i}: ${call} { message }`).join(' ')} }`;
}

describe('mail-sending mutations', () => {
  it('mail one mailbox at most a few times an hour, however they are batched or spelled, and answer the same', async () => {
    const refusedBefore = refusedMails();
    const user = await signUp(platform);
    const headers = newClient();
    const resets = (emails: string[]) => sendRaw(platform.gatewayUrl, { query: aliased(emails.map((email) => `requestPasswordReset(email: "${email}")`)) }, undefined, headers);
    // 4 simultaneous requests of 15 aliased resets each.
    const answers = await Promise.all([0, 1, 2, 3].map(() => resets(Array(15).fill(user.email))));
    expect(answers.every((answer) => answer.status === 200 && !answer.errors)).toBe(true);
    const messages = new Set(answers.flatMap((answer) => Object.values(answer.data as Record<string, { message: string }>).map((m) => m.message)));
    expect(messages.size).toBe(1);

    // 1 confirmation + 60 reset requests decided: the budget's worth reached the mailbox, the rest were refused.
    await eventually(async () => refusedMails() === refusedBefore + 1 + 60 - PER_RECIPIENT);
    expect(await usedBy(user.email)).toBe(PER_RECIPIENT);
    await eventually(async () => platform.mailbox.countFor(user.email) === PER_RECIPIENT);
    expect(platform.mailbox.countFor(user.email)).toBe(PER_RECIPIENT);

    // Other spellings of the same mailbox (letter case, +tags) draw on the same budget.
    const spellings = [user.email.toUpperCase(), user.email.replace('@', '+news@'), user.email.replace('@', '+1@').toUpperCase()];
    expect((await resets(spellings)).errors).toBeUndefined();
    await eventually(async () => refusedMails() === refusedBefore + 1 + 60 - PER_RECIPIENT + spellings.length);
    expect(platform.mailbox.countFor(user.email)).toBe(PER_RECIPIENT);
  });

  it("spend a mailbox's allowance only on mail sent: requests that send nothing cannot block its owner's reset", async () => {
    const user = await signUp(platform);
    await eventually(async () => platform.mailbox.countFor(user.email) === 1);
    // The account is active: a resent confirmation sends nothing, however often it is asked for, also all at once.
    const resent = await Promise.all(Array.from({ length: 2 * PER_RECIPIENT }, () => send(platform.gatewayUrl, ResendConfirmationDocument, { email: user.email }, undefined, newClient())));
    expect(resent.every((answer) => !answer.errors)).toBe(true);
    await eventually(async () => (await usedBy(user.email)) === 1);
    expect((await send(platform.gatewayUrl, RequestPasswordResetDocument, { email: user.email }, undefined, newClient())).errors).toBeUndefined();
    await eventually(async () => platform.mailbox.countFor(user.email) === 2);
  });

  it('count a domain written in Unicode and in punycode as the one mailbox it is', async () => {
    const [unicode, punycode] = ['idn@exämple.com', 'idn@xn--exmple-cua.com'];
    const resets = (email: string) => sendRaw(platform.gatewayUrl, { query: aliased(Array(PER_RECIPIENT).fill(`requestPasswordReset(email: "${email}")`)) }, undefined, newClient());
    // Registrations send mail whether or not the address has an account: PER_RECIPIENT of them in each spelling.
    for (const [index, email] of [unicode, punycode].entries()) {
      for (let i = 0; i < PER_RECIPIENT; i++) {
        const registration = { username: `idn${index}x${i}x${clientNumber}`, email, firstName: 'Ada', lastName: 'Lovelace' };
        await send(platform.gatewayUrl, RegisterDocument, { input: registration }, undefined, newClient());
      }
    }
    expect((await resets(unicode)).errors).toBeUndefined();
    await eventually(async () => (await usedBy(unicode)) === PER_RECIPIENT);
    expect(await usedBy(punycode)).toBe(PER_RECIPIENT);
    const delivered = () => platform.mailbox.countFor(unicode) + platform.mailbox.countFor(punycode);
    await eventually(async () => delivered() >= PER_RECIPIENT);
    expect(delivered()).toBe(PER_RECIPIENT);
  });

  it('refuse an address a mailer would read as several, or as a display name around another', async () => {
    const victim = 'victim@example.com';
    for (const email of [`a<${victim}>`, `${victim}(c)`, `g:${victim};`, `${victim},other@example.com`, `"x"@example.com`]) {
      const answer = await send(platform.gatewayUrl, RegisterDocument, { input: { username: `spoof${clientNumber}`, email, firstName: 'Ada', lastName: 'Lovelace' } }, undefined, newClient());
      expect({ email, errors: answer.errors?.map((error) => [error.extensions?.code, error.extensions?.field]) }).toEqual({ email, errors: [['BAD_USER_INPUT', 'email']] });
    }
    expect(platform.mailbox.countFor(victim)).toBe(0);
  });

  it('tell a client over its own hourly budget to slow down, with RATE_LIMITED', async () => {
    const headers = newClient();
    for (let batch = 0; batch < PER_CLIENT / 10; batch += 1) {
      const resends = Array.from({ length: 10 }, (_, i) => `resendConfirmation(email: "nobody-${batch}-${i}@example.com")`);
      expect((await sendRaw(platform.gatewayUrl, { query: aliased(resends) }, undefined, headers)).errors).toBeUndefined();
    }
    const over = await send(platform.gatewayUrl, ResendConfirmationDocument, { email: 'one-more@example.com' }, undefined, headers);
    expect(codes(over)).toEqual(['RATE_LIMITED']);
    expect(over.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(0);
    // Another client is not affected.
    expect((await send(platform.gatewayUrl, ResendConfirmationDocument, { email: 'one-more@example.com' }, undefined, newClient())).errors).toBeUndefined();
  });
});

describe('registration input and mails', () => {
  const input = (overrides: Record<string, string>) => ({ username: 'namecheck', email: 'namecheck@example.com', firstName: 'Ada', lastName: 'Lovelace', ...overrides });

  it('refuses names with control characters, links, phone numbers or symbols', async () => {
    for (const firstName of ['Ada\nVisit http://phish.example', 'www.phish.example', 'Ada\u0000', 'Ada <b>', 'Ada\u202Eevil', 'ada@phish.example', 'Ada,Lovelace', 'Call 0800 555 0100', 'Ada １２３']) {
      const answer = await send(platform.gatewayUrl, RegisterDocument, { input: input({ firstName }) }, undefined, newClient());
      expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
      expect(answer.errors?.[0]?.extensions?.field).toBe('firstName');
    }
    for (const firstName of ['Jean-Luc', "O'Brien", 'J. R. R.', 'Zoë', 'Mary Ann', 'Łukasz', 'User1', 'Louis 14', 'Smith, Jr.', 'X Æ A-12']) {
      expect((await send(platform.gatewayUrl, RegisterDocument, { input: input({ firstName, username: `ok${firstName.length}x${clientNumber}` }) }, undefined, newClient())).errors).toBeUndefined();
    }
  });

  it('greet by the first word of the first name, in one script: never a sentence, nor letters passing for punctuation', async () => {
    const greetings: [string, string][] = [
      ['Mary Ann', 'Hello Mary,'],
      ['Jean-Luc', 'Hello Jean,'],
      ['Zoë', 'Hello Zoë,'],
      ['Your Herck account is locked, unlock it at herck-support today', 'Hello Your,'],
      // U+A4F8, a Lisu letter that looks like a full stop, between two Latin words.
      ['supportꓸcom', 'Hello,'],
    ];
    for (const [index, [firstName, greeting]] of greetings.entries()) {
      const email = `greeting${index}x${clientNumber}@example.com`;
      expect((await send(platform.gatewayUrl, RegisterDocument, { input: input({ firstName, email, username: `greet${index}x${clientNumber}` }) }, undefined, newClient())).errors).toBeUndefined();
      const mail = await platform.mailbox.waitFor(email);
      expect([firstName, mail.text.split('\n')[0]]).toEqual([firstName, greeting]);
    }
  });

  it('carry nothing the registrant typed but the greeting', async () => {
    const username = 'visit.phish.example';
    await send(platform.gatewayUrl, RegisterDocument, { input: input({ username, email: 'target@example.com' }) }, undefined, newClient());
    const confirmation = await platform.mailbox.waitFor('target@example.com');
    expect(confirmation.text).toContain('Hello Ada,');
    expect(confirmation.text).not.toContain(username);
    await send(platform.gatewayUrl, RegisterDocument, { input: input({ username, email: 'second-target@example.com' }) }, undefined, newClient());
    const taken = await platform.mailbox.waitFor('second-target@example.com');
    expect(taken.text).toContain('not available');
    expect(taken.text).not.toContain(username);
  });

  it('keep a pending registration to its first expiry: resending does not extend it', async () => {
    const email = 'patient@example.com';
    await send(platform.gatewayUrl, RegisterDocument, { input: input({ username: 'patient', email }) }, undefined, newClient());
    await platform.mailbox.waitFor(email);
    const pending = async () =>
      (await accountDb().execute<{ version: number; confirmation_expires_at: string }[]>('SELECT version, confirmation_expires_at FROM accounts WHERE email = ?', [email]))[0]!;
    const before = await pending();
    await send(platform.gatewayUrl, ResendConfirmationDocument, { email }, undefined, newClient());
    await platform.mailbox.waitFor(email, 2);
    const after = await pending();
    expect(after.version).toBeGreaterThan(before.version);
    expect(new Date(after.confirmation_expires_at).getTime()).toBe(new Date(before.confirmation_expires_at).getTime());
  });
});

describe('mail while the mail server is away', () => {
  it("spends none of a mailbox's allowance on mail that could not be sent: once the server is back, its owner gets the next one", async () => {
    // A port nothing listens on yet: every mail fails to go out (the connection is refused).
    const port = await freePort();
    const log: { msg: string }[] = [];
    const away = await startTestPlatform(
      { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_PER_RECIPIENT_PER_HOUR: String(PER_RECIPIENT) },
      { loggers: { account: new Logger('account', 'info', {}, (line) => void log.push(JSON.parse(line))) } },
    );
    const mailbox = new SmtpMailbox();
    try {
      const email = 'waiting-for-mail@example.com';
      const failedMails = () => log.filter((line) => line.msg === 'registration failed' || line.msg === 'resend confirmation failed').length;
      // The registration's mail and a resend for each remaining use of the hour: none goes out.
      expect((await send(away.gatewayUrl, RegisterDocument, { input: { username: 'waitingformail', email, firstName: 'Wait', lastName: 'Long' } })).errors).toBeUndefined();
      await eventually(async () => failedMails() === 1);
      for (let resend = 1; resend < PER_RECIPIENT; resend += 1) {
        expect((await send(away.gatewayUrl, ResendConfirmationDocument, { email })).errors).toBeUndefined();
        await eventually(async () => failedMails() === resend + 1);
      }
      // The mail server is back: the owner's next request is mailed (before, its allowance was spent
      // on the mails that never left, and it got nothing for the rest of the hour).
      await mailbox.start(port);
      expect((await send(away.gatewayUrl, ResendConfirmationDocument, { email })).errors).toBeUndefined();
      const mail = await mailbox.waitFor(email, 1, 20_000);
      const confirmed = await send(away.gatewayUrl, ConfirmEmailDocument, { token: tokenInLink(mail) });
      expect(confirmed.data?.confirmEmail.passwordSetupToken).toEqual(expect.any(String));
    } finally {
      await mailbox.stop();
      await away.stop();
    }
  }, 120_000);
});
