import { AccountsDocument, DeactivateAccountDocument, DeleteAccountDocument, SetRolesDocument } from './support/operations.generated';
import { codes, send } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { ADMIN_PASSWORD, adminEnv, logIn, signUp } from './support/users';

/**
 * The last active admin is kept when two admins end each other at the same moment through two
 * services: auth takes the ADMIN role away, account deactivates or deletes accounts, and each
 * keeps a copy of the other's side. Each round leaves exactly two admins, X and Y; X demotes Y
 * while Y deactivates (or deletes) X. One of the two must be refused.
 */
const ADMIN_EMAIL = 'races-admin@example.com';
const ROUNDS = 6;

let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({ ...adminEnv(ADMIN_EMAIL), RATE_LIMIT_ANONYMOUS_PER_MINUTE: '0' });
});
afterAll(() => platform?.stop());

const subjectOf = (accessToken: string) => JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()).sub as string;

describe('two admins ending each other at once, one in auth and one in account', () => {
  it('leave one of them an active admin: one change succeeds, the other is CONFLICT', async () => {
    let keeper = await logIn(platform, ADMIN_EMAIL, ADMIN_PASSWORD);
    for (let round = 0; round < ROUNDS; round += 1) {
      // X and Y become the only admins: the keeper makes them, then steps down.
      const [x, y] = [await signUp(platform, `racex${round}`), await signUp(platform, `racey${round}`)];
      for (const account of [x, y]) expect(codes(await send(platform.gatewayUrl, SetRolesDocument, { accountId: account.accountId, roles: ['USER', 'ADMIN'] }, keeper.accessToken))).toEqual([]);
      expect(codes(await send(platform.gatewayUrl, SetRolesDocument, { accountId: subjectOf(keeper.accessToken), roles: ['USER'] }, keeper.accessToken))).toEqual([]);
      const [asX, asY] = [await logIn(platform, x.username, x.password), await logIn(platform, y.username, y.password)];

      const ending = round % 2 === 0 ? send(platform.gatewayUrl, DeactivateAccountDocument, { id: x.accountId }, asY.accessToken) : send(platform.gatewayUrl, DeleteAccountDocument, { id: x.accountId }, asY.accessToken);
      const [demoted, ended] = await Promise.all([send(platform.gatewayUrl, SetRolesDocument, { accountId: y.accountId, roles: ['USER'] }, asX.accessToken), ending]);
      const outcome = [codes(demoted), codes(ended)];
      expect({ round, outcome: outcome.map((c) => c.join()).sort() }).toEqual({ round, outcome: ['', 'CONFLICT'] });

      // The one left is an admin both services know of: it reads the accounts and makes the next pair.
      keeper = codes(demoted).length === 0 ? asX : asY;
      expect(codes(await send(platform.gatewayUrl, AccountsDocument, { first: 1 }, keeper.accessToken))).toEqual([]);
    }
  }, 120_000);
});
