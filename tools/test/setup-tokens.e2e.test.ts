import jwt from 'jsonwebtoken';
import pg from 'pg';
import { EnvReader, readSigningKeys } from '@herck/common';
import { ConfirmEmailDocument, LoginDocument, RegisterDocument, RequestPasswordResetDocument, SetPasswordDocument } from './support/operations.generated';
import { codes, send } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { tokenInLink } from './support/smtp-mailbox';
import { eventually, signUp, STRONG_PASSWORD } from './support/users';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform?.stop());

describe('a confirmation link', () => {
  it('used by several requests at once gives exactly one password-setup token', async () => {
    const uses = 8; // fewer than the account subgraph's 10 pooled connections, which the waiting uses hold
    await send(platform.gatewayUrl, RegisterDocument, { input: { username: 'hasty', email: 'hasty@example.com', firstName: 'Has', lastName: 'Ty' } });
    const token = tokenInLink(await platform.mailbox.waitFor('hasty@example.com'));
    // Hold the account's row so that every use is in flight at the same time, then let them race.
    const connect = async () => {
      const client = new pg.Client({ connectionString: platform.account.runtime.config.databaseUrl });
      await client.connect();
      return client;
    };
    const [holder, monitor] = [await connect(), await connect()];
    await holder.query('BEGIN');
    await holder.query("SELECT 1 FROM accounts WHERE username = 'hasty' FOR UPDATE");
    const pending = Array.from({ length: uses }, () => send(platform.gatewayUrl, ConfirmEmailDocument, { token }));
    try {
      // Read by a client outside any transaction: pg_stat_activity is a snapshot within one.
      await eventually(async () => {
        const { rows } = await monitor.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
        return rows[0].n >= uses;
      });
    } finally {
      await holder.query('COMMIT');
      await Promise.all([holder.end(), monitor.end()]);
    }
    const answers = await Promise.all(pending);
    expect(answers.filter((answer) => answer.data?.confirmEmail.passwordSetupToken)).toHaveLength(1);
    expect(answers.filter((answer) => codes(answer).includes('BAD_USER_INPUT'))).toHaveLength(uses - 1);
  });
});

describe('a password setup or reset token', () => {
  it('is refused once a newer one was issued', async () => {
    const user = await signUp(platform);
    await send(platform.gatewayUrl, RequestPasswordResetDocument, { email: user.email });
    const older = tokenInLink(await platform.mailbox.waitFor(user.email, 2));
    await send(platform.gatewayUrl, RequestPasswordResetDocument, { email: user.email });
    const newer = tokenInLink(await platform.mailbox.waitFor(user.email, 3));

    expect(codes(await send(platform.gatewayUrl, SetPasswordDocument, { token: older, password: 'older-Link-passphrase-1' }))).toEqual(['BAD_USER_INPUT']);
    expect((await send(platform.gatewayUrl, SetPasswordDocument, { token: newer, password: 'newer-Link-passphrase-2' })).data?.setPassword).toBe(true);
    expect((await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: 'newer-Link-passphrase-2' })).data?.login).toBeDefined();
  });

  it('is refused when it was issued before the last password change', async () => {
    const user = await signUp(platform);
    const [account] = await platform.account.runtime.orm.em.fork().execute<{ version: number }[]>('SELECT version FROM accounts WHERE id = ?', [user.accountId]);
    // A token for the account's current version, but signed a minute before the password was set.
    const key = readSigningKeys(new EnvReader({}), { envName: 'SETUP_TOKEN', devFile: 'setup-token.pem', dataDir: platform.env.HERCK_DATA_DIR!, production: false })[0]!;
    const stale = jwt.sign(
      { username: user.username, email: user.email, ver: account!.version, iat: Math.floor(Date.now() / 1000) - 60 },
      key.privateKey,
      { algorithm: 'ES256', keyid: key.kid, issuer: 'herck-account', audience: 'herck-auth:password-setup', subject: user.accountId, jwtid: crypto.randomUUID(), expiresIn: 1800 },
    );
    expect(codes(await send(platform.gatewayUrl, SetPasswordDocument, { token: stale, password: 'stale-Token-passphrase-3' }))).toEqual(['BAD_USER_INPUT']);
    expect((await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: user.username, password: STRONG_PASSWORD })).data?.login).toBeDefined();
  });
});
