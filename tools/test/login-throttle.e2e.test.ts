import { Logger } from '@herck/common';
import { LoginDocument } from './support/operations.generated';
import { codes, send } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { eventually, signUp } from './support/users';

const FREE_ATTEMPTS = 5;
const ACCOUNT_ATTEMPTS = 12;

let platform: TestPlatform;
/** Auth's log lines at warn and above. */
const authWarnings: { msg: string; accountId?: string }[] = [];
beforeAll(async () => {
  // The gateway trusts the local proxy's X-Forwarded-For, so each test can speak as several clients.
  platform = await startTestPlatform(
    {
      TRUST_PROXY: 'loopback',
      LOGIN_FREE_ATTEMPTS: String(FREE_ATTEMPTS),
      LOGIN_ACCOUNT_ATTEMPTS: String(ACCOUNT_ATTEMPTS),
      LOGIN_MAX_LOCK_SECONDS: '600',
    },
    { loggers: { auth: new Logger('auth', 'warn', {}, (line) => void authWarnings.push(JSON.parse(line))) } },
  );
});
afterAll(() => platform?.stop());

let clientNumber = 0;
/** A fresh client address for each call site, so tests do not share per-client budgets. */
const newClient = () => `203.0.113.${(clientNumber += 1)}`;

function login(usernameOrEmail: string, password: string, client: string) {
  return send(platform.gatewayUrl, LoginDocument, { usernameOrEmail, password }, undefined, { 'x-forwarded-for': client });
}

describe('the login throttle', () => {
  it('checks no more passwords in a burst of simultaneous guesses than in a slow series', async () => {
    const user = await signUp(platform);
    const client = newClient();
    const guesses = Array.from({ length: 60 }, (_, i) => `wrong guess number ${i}`);
    const answers = await Promise.all(guesses.map((password) => login(user.username, password, client)));
    const outcomes = answers.map((answer) => String(codes(answer)[0]));
    // Exactly the free attempts were checked; then the client is paused, the right password too, as after a slow series.
    expect(outcomes.filter((outcome) => outcome === 'UNAUTHENTICATED')).toHaveLength(FREE_ATTEMPTS);
    expect(outcomes.filter((outcome) => outcome === 'RATE_LIMITED')).toHaveLength(60 - FREE_ATTEMPTS);
    expect(codes(await login(user.username, user.password, client))).toEqual(['RATE_LIMITED']);
  });

  it('signs in every one of simultaneous correct attempts: none counts as a failure while the others are checked', async () => {
    const user = await signUp(platform);
    const client = newClient();
    // Each took a use before its check and gave it back after: the sixth found the five others' uses taken.
    const answers = await Promise.all(Array.from({ length: 2 * FREE_ATTEMPTS }, () => login(user.username, user.password, client)));
    expect(answers.map((answer) => (answer.data?.login ? 'TOKENS' : String(codes(answer)[0])))).toEqual(Array(2 * FREE_ATTEMPTS).fill('TOKENS'));
  });

  it('counts failures per account, whichever of its names was typed', async () => {
    const user = await signUp(platform);
    const client = newClient();
    for (let i = 0; i < 3; i += 1) expect(codes(await login(user.username, 'wrong password!!', client))).toEqual(['UNAUTHENTICATED']);
    for (let i = 0; i < FREE_ATTEMPTS - 3; i += 1) expect(codes(await login(user.email.toUpperCase(), 'wrong password!!', client))).toEqual(['UNAUTHENTICATED']);
    // The account's budget is spent, by either name: even the right password is paused, and the wait is said.
    for (const name of [user.email, user.username]) {
      const paused = await login(name, user.password, client);
      expect(codes(paused)).toEqual(['RATE_LIMITED']);
      expect(paused.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(0);
    }
  });

  it("pauses every name of a paused account, and only that account's, for the client that paused it", async () => {
    const user = await signUp(platform);
    const client = newClient();
    for (let i = 0; i < FREE_ATTEMPTS; i += 1) expect(codes(await login(user.username, 'wrong password!!', client))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await login(user.username, 'wrong password!!', client))).toEqual(['RATE_LIMITED']);
    // Switching to the account's email does not double the guesses: no password is checked.
    expect(codes(await login(user.email, user.password, client))).toEqual(['RATE_LIMITED']);
    // Another name from the same client is still checked.
    expect(codes(await login(`nobody-${user.email}`, 'wrong password!!', client))).toEqual(['UNAUTHENTICATED']);
  });

  it("pauses a guessing client without locking the owner out, and spends only that client's share of the account's budget", async () => {
    const user = await signUp(platform);
    const attacker = newClient();
    for (let i = 0; i < FREE_ATTEMPTS; i += 1) expect(codes(await login(user.username, `guess ${i}`, attacker))).toEqual(['UNAUTHENTICATED']);
    // The attacker keeps going; every further try is refused before any password is checked.
    for (let i = 0; i < 3 * ACCOUNT_ATTEMPTS; i += 1) expect(codes(await login(user.username, `guess ${i}`, attacker))).toEqual(['RATE_LIMITED']);
    // Even the right password is refused to the paused client…
    expect(codes(await login(user.username, user.password, attacker))).toEqual(['RATE_LIMITED']);
    // …while the owner, elsewhere, signs in.
    expect((await login(user.username, user.password, newClient())).data?.login.accessToken).toEqual(expect.any(String));
  });

  it("stops a spread of clients at the account's own budget, and says once that the account is paused", async () => {
    const user = await signUp(platform);
    let refused = 0;
    for (let i = 0; i < ACCOUNT_ATTEMPTS + 3; i += 1) {
      if (codes(await login(user.username, `guess ${i}`, newClient())).includes('RATE_LIMITED')) refused += 1;
    }
    expect(refused).toBe(3);
    expect(authWarnings.filter((line) => line.accountId === user.accountId).map((line) => line.msg)).toEqual(['sign-ins to an account are paused for every client by failed attempts']);
  });

  it('throttles unknown names the same way, so a pause reveals nothing', async () => {
    const client = newClient();
    for (let i = 0; i < FREE_ATTEMPTS; i += 1) expect(codes(await login('ghost-user', 'wrong password!!', client))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await login('ghost-user', 'wrong password!!', client))).toEqual(['RATE_LIMITED']);
  });
});

describe('failures decay', () => {
  let shortWindow: TestPlatform;
  beforeAll(async () => {
    shortWindow = await startTestPlatform({ LOGIN_FREE_ATTEMPTS: '2', LOGIN_MAX_LOCK_SECONDS: '2' });
  });
  afterAll(() => shortWindow?.stop());

  it('are forgotten when the window ends, so the owner gets back in without help', async () => {
    const user = await signUp(shortWindow);
    const attempt = (password: string) => send(shortWindow.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password });
    for (let i = 0; i < 2; i += 1) await attempt('wrong password!!');
    expect(codes(await attempt(user.password))).toEqual(['RATE_LIMITED']);
    await eventually(async () => (await attempt(user.password)).data?.login !== undefined);
  });

  it('so one failure per window never keeps an account locked', async () => {
    const user = await signUp(shortWindow);
    const authDb = shortWindow.auth.runtime.orm.em.fork();
    for (let window = 0; window < 3; window += 1) {
      expect(codes(await send(shortWindow.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: 'wrong password!!' }))).toEqual([
        'UNAUTHENTICATED',
      ]);
      // The window ends (moved into the past here, rather than waited for).
      await authDb.execute('UPDATE rate_limits SET expire = ?', [Date.now() - 1]);
    }
    expect((await send(shortWindow.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: user.password })).data?.login).toBeDefined();
  });
});
