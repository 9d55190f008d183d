import { Logger } from '@herck/common';
import { codes, sendRaw } from './support/graphql-client';
import { startTestPlatform, TestPlatform } from './support/platform';
import { logIn, signUp } from './support/users';

const ADMIN = { HERCK_ADMIN_EMAIL: 'batch-admin@example.com', HERCK_ADMIN_PASSWORD: 'batch-Admin-passphrase-1' };

/** Collects the SQL the auth subgraph runs (MikroORM logs each statement at debug level). */
const authStatements: string[] = [];
const authLogger = new Logger('auth', 'debug', {}, (line) => {
  const entry = JSON.parse(line) as { msg: string };
  if (entry.msg.startsWith('[query]')) authStatements.push(entry.msg);
});

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform(ADMIN, { loggers: { auth: authLogger } });
});
afterAll(() => platform?.stop());

describe('entity references', () => {
  it('load every account of a page in one query, not one per account', async () => {
    for (let i = 0; i < 5; i += 1) await signUp(platform, `batch${i}`);
    const admin = await logIn(platform, ADMIN.HERCK_ADMIN_EMAIL, ADMIN.HERCK_ADMIN_PASSWORD);
    authStatements.length = 0;
    const page = await sendRaw<{ accounts: { edges: { node: { roles: string[] } }[] } }>(
      platform.gatewayUrl,
      { query: '{ accounts(first: 50) { edges { node { username roles lastLoginAt } } } }' },
      admin.accessToken,
    );
    expect(codes(page)).toEqual([]);
    expect(page.data?.accounts.edges).toHaveLength(6);
    expect(page.data?.accounts.edges.every((edge) => edge.node.roles.includes('USER'))).toBe(true);
    const credentialReads = authStatements.filter((sql) => /from "credentials"/i.test(sql));
    expect(credentialReads).toHaveLength(1);
  });
});
