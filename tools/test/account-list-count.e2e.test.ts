import { randomUUID } from 'node:crypto';
import { INTERNAL_TOKEN_HEADER, Logger } from '@herck/common';
import { startTestPlatform, TestPlatform } from './support';

/**
 * `accounts` answered totalCount with a count(*) over every matching account on each page, also for a
 * client that never asked for it (35 ms over 200,000 accounts, as long as the page itself took ×700).
 * The count is made only when the query selects totalCount. Statements are read from the account
 * subgraph's debug log, where MikroORM writes each one.
 */
let platform: TestPlatform;
const statements: string[] = [];

beforeAll(async () => {
  const sink = (line: string) => statements.push(line);
  platform = await startTestPlatform({}, { loggers: { account: new Logger('account', 'debug', {}, sink) } });
}, 60_000);

afterAll(() => platform?.stop());

async function countsWhileAnswering(query: string): Promise<number> {
  const before = statements.length;
  const response = await fetch(platform.account.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: platform.internalTokenSigner().sign({ accountId: randomUUID(), roles: ['ADMIN'] }, 'account') },
    body: JSON.stringify({ query }),
  });
  const answer = (await response.json()) as { data?: unknown; errors?: unknown };
  expect(answer.errors).toBeUndefined();
  return statements.slice(before).filter((line) => /count\(\*\)[^\n]*accounts/.test(line)).length;
}

it('counts the accounts only for a query that asks for totalCount', async () => {
  expect(await countsWhileAnswering('{ accounts(first: 5) { nodes { id } pageInfo { hasNextPage endCursor } } }')).toBe(0);
  expect(await countsWhileAnswering('{ accounts(first: 5, filter: { search: "someone" }) { edges { cursor } } }')).toBe(0);
  expect(await countsWhileAnswering('{ accounts(first: 5) { nodes { id } totalCount } }')).toBe(1);
  expect(await countsWhileAnswering('{ accounts(first: 5) { ...Counted } } fragment Counted on AccountConnection { total: totalCount }')).toBe(1);
  expect(await countsWhileAnswering('{ accounts(first: 5) { ... on AccountConnection { totalCount } } }')).toBe(1);
});
