import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropDatabase, repositoryRoot } from '@herck/common';
import { MeDocument, RefreshTokenDocument } from './support/operations.generated';
import { codes, send } from './support/graphql-client';
import { startTestPlatform } from './support/platform';
import { runCli } from './support/run-cli';
import { eventually, logIn, signUp } from './support/users';

const CLI = path.join(repositoryRoot(), 'tools', 'dist', 'src', 'admin-create.js');

describe('npm run admin:create', () => {
  const suffix = randomBytes(3).toString('hex');
  const databases = { ACCOUNT_DATABASE_NAME: `cli_account_${suffix}`, AUTH_DATABASE_NAME: `cli_auth_${suffix}`, BUS_DATABASE_NAME: `cli_bus_${suffix}` };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herck-cli-'));
  const env = { PATH: process.env.PATH, DATABASE_URL: process.env.DATABASE_URL, HERCK_DATA_DIR: dataDir, NODE_ENV: 'development', ...databases };
  afterAll(async () => {
    for (const name of Object.values(databases)) await dropDatabase(process.env.DATABASE_URL!, name);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses to run without an email and a password', () => {
    const run = spawnSync(process.execPath, [CLI, '--email', 'x@example.com'], { env, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/--password/);
  });

  it('refuses a weak password before writing anything', async () => {
    const refused = spawnSync(process.execPath, [CLI, '--email', 'weak@example.com', '--password', 'password1234'], { env, encoding: 'utf8' });
    expect(refused.status).toBe(1);
    // Named as the user gave it: the option, or the variable.
    expect(refused.stderr).toMatch(/Invalid arguments:\n {2}--password .*too common/);
    const fromVariable = spawnSync(process.execPath, [CLI, '--email', 'weak@example.com'], { env: { ...env, HERCK_ADMIN_PASSWORD: 'password1234' }, encoding: 'utf8' });
    expect(fromVariable.status).toBe(1);
    expect(fromVariable.stderr).toMatch(/Invalid environment variables:\n {2}HERCK_ADMIN_PASSWORD .*too common/);
    // So are a username and an address no account could have.
    const badName = spawnSync(process.execPath, [CLI, '--email', 'not-an-email', '--password', 'ops-Passphrase-2026', '--username', 'x y!'], { env, encoding: 'utf8' });
    expect(badName.status).toBe(1);
    expect(badName.stderr).toMatch(/Invalid arguments:\n {2}--email must be a valid email address, got "not-an-email"\n {2}--username must be 3 to 64/);
    expect(badName.stderr).not.toContain('HERCK_ADMIN');
    const { default: pg } = await import('pg');
    const account = new pg.Client({ connectionString: process.env.DATABASE_URL!.replace(/\/[^/]*$/, `/${databases.ACCOUNT_DATABASE_NAME}`) });
    const created = await account.connect().then(
      async () => (await account.query("SELECT count(*)::int AS n FROM accounts WHERE email = 'weak@example.com'")).rows[0].n as number,
      () => 0, // no database yet: nothing was written either
    );
    await account.end().catch(() => undefined);
    expect(created).toBe(0);
  });

  it('creates an admin who can sign in, and promotes an existing user', async () => {
    const created = spawnSync(process.execPath, [CLI, '--email', 'ops@example.com', '--password', 'ops-Passphrase-2026'], { env, encoding: 'utf8' });
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);

    const platform = await startTestPlatform({ ...databases, HERCK_DATA_DIR: dataDir });
    try {
      const admin = await logIn(platform, 'ops@example.com', 'ops-Passphrase-2026');
      expect((await send(platform.gatewayUrl, MeDocument, {}, admin.accessToken)).data?.me?.roles).toContain('ADMIN');

      const user = await signUp(platform, 'promoted');
      const promoted = await runCli(CLI, ['--email', user.email, '--password', 'new-Admin-passphrase-1'], env);
      expect(promoted.status).toBe(0);
      const again = await logIn(platform, user.email, 'new-Admin-passphrase-1');
      const me = await send(platform.gatewayUrl, MeDocument, {}, again.accessToken);
      expect(me.data?.me).toMatchObject({ id: user.accountId, username: 'promoted', roles: expect.arrayContaining(['ADMIN']) });
      // The new password ended the sessions of the old one (they went on, now with ADMIN).
      expect(codes(await send(platform.gatewayUrl, RefreshTokenDocument, { token: user.refreshToken }))).toEqual(['UNAUTHENTICATED']);
      await eventually(async () => codes(await send(platform.gatewayUrl, MeDocument, {}, user.accessToken)).includes('UNAUTHENTICATED'), 15_000);
    } finally {
      await platform.stop();
    }
  });
});
