import { randomUUID } from 'node:crypto';
import { createHash } from 'node:crypto';
import { RefreshTokenDocument, RegisterDocument } from './support/operations.generated';
import { codes, send } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { eventually, signUp } from './support/users';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform?.stop());

const authDb = () => platform.auth.runtime.orm.em.fork();
const accountDb = () => platform.account.runtime.orm.em.fork();
const count = async (db: ReturnType<typeof authDb>, sql: string, params: unknown[] = []) =>
  Number((await db.execute<{ n: string }[]>(`SELECT count(*) AS n FROM ${sql}`, params))[0]!.n);

describe('housekeeping', () => {
  it('deletes expired tokens, spent counters and abandoned registrations, and keeps what is still live', async () => {
    const user = await signUp(platform);
    const dead = randomUUID();
    await authDb().execute("INSERT INTO used_setup_tokens (token_id, account_id, expires_at) VALUES (?, ?, now() - interval '1 minute')", [randomUUID(), dead]);
    await authDb().execute(
      `INSERT INTO refresh_tokens (id, family_id, account_id, token_hash, expires_at, revoked_at) VALUES
        (gen_random_uuid(), gen_random_uuid(), ?, 'expired', now() - interval '1 minute', NULL),
        (gen_random_uuid(), gen_random_uuid(), ?, 'revoked long ago', now() + interval '1 day', now() - interval '2 days')`,
      [dead, dead],
    );
    for (const db of [authDb(), accountDb()]) {
      await db.execute('INSERT INTO rate_limits (key, points, expire) VALUES (?, 1, ?), (?, 1, ?)', ['spent', Date.now() - 1000, 'live', Date.now() + 60_000]);
    }
    await send(platform.gatewayUrl, RegisterDocument, { input: { username: 'abandoner', email: 'abandoner@example.com', firstName: 'Ab', lastName: 'Andoner' } });
    await platform.mailbox.waitFor('abandoner@example.com');
    await eventually(async () => (await count(authDb(), "credentials WHERE username = 'abandoner'")) === 1);
    await accountDb().execute("UPDATE accounts SET confirmation_expires_at = now() - interval '1 second' WHERE username = 'abandoner'");

    await platform.auth.housekeeping();
    await platform.account.housekeeping();

    expect(await count(authDb(), 'used_setup_tokens WHERE account_id = ?', [dead])).toBe(0);
    expect(await count(authDb(), 'refresh_tokens WHERE account_id = ?', [dead])).toBe(0);
    // The signed-in user's session is untouched.
    expect(await count(authDb(), 'refresh_tokens WHERE account_id = ? AND revoked_at IS NULL', [user.accountId])).toBe(1);
    for (const db of [authDb(), accountDb()]) {
      expect(await count(db, "rate_limits WHERE key = 'spent'")).toBe(0);
      expect(await count(db, "rate_limits WHERE key = 'live'")).toBe(1);
    }
    expect(await count(accountDb(), "accounts WHERE username = 'abandoner'")).toBe(0);
    expect(await count(accountDb(), 'accounts WHERE id = ?', [user.accountId])).toBe(1);
    // The deletion travels to auth like any other.
    await eventually(async () => (await count(authDb(), "credentials WHERE username = 'abandoner'")) === 0);
  });

  it('keeps a rotated refresh token while its family lives, however old: presented again, it still ends the family', async () => {
    const user = await signUp(platform);
    const rotated = await send(platform.gatewayUrl, RefreshTokenDocument, { token: user.refreshToken });
    const current = rotated.data!.refreshToken.refreshToken;
    // The first token is past its own 30 days; the family's newest is not (it was issued at a later rotation).
    const hash = createHash('sha256').update(user.refreshToken).digest('hex');
    await authDb().execute("UPDATE refresh_tokens SET expires_at = now() - interval '1 minute' WHERE token_hash = ?", [hash]);

    await platform.auth.housekeeping();

    expect(await count(authDb(), 'refresh_tokens WHERE token_hash = ?', [hash])).toBe(1);
    // Whoever holds the old token after the rotation (its thief, or its owner after the thief rotated it) gives the leak away.
    expect(codes(await send(platform.gatewayUrl, RefreshTokenDocument, { token: user.refreshToken }))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await send(platform.gatewayUrl, RefreshTokenDocument, { token: current }))).toEqual(['UNAUTHENTICATED']);

    // Once no token of the family can be used, housekeeping deletes them all.
    await authDb().execute("UPDATE refresh_tokens SET revoked_at = now() - interval '2 days' WHERE account_id = ?", [user.accountId]);
    await platform.auth.housekeeping();
    expect(await count(authDb(), 'refresh_tokens WHERE account_id = ?', [user.accountId])).toBe(0);
  });
});
