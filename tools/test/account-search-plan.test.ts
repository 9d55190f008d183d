import { randomBytes } from 'node:crypto';
import { databaseUrl, dropDatabase, ensureDatabase, Logger, openOrm, Orm, subgraphStoreSchema } from '@herck/common';
import { SUBGRAPH_STORES } from '../src/herck-stores';
import { explainAnalyze, pagesRead, planNodes } from './support/query-plans';

const serverUrl = process.env.DATABASE_URL!;
const database = `test_account_search_${randomBytes(4).toString('hex')}`;
const ACCOUNTS = 100_000;
let orm: Orm;

/**
 * `accounts(filter: { search })` matches the text anywhere in the username, email or names
 * (AccountRepository.filterFor: ILIKE '%…%' on each), for the page and for totalCount. Without an
 * index such a pattern can use, both read every account: 380 ms and 200 ms over 200,000 accounts.
 * The statements are those MikroORM writes for the repository's page and count.
 */
beforeAll(async () => {
  await ensureDatabase(serverUrl, database);
  orm = await openOrm({ url: databaseUrl(serverUrl, database), ...subgraphStoreSchema(SUBGRAPH_STORES.account), logger: new Logger('test', 'error'), poolSize: 2 });
  await orm.em.getConnection().execute(
    `INSERT INTO accounts (id, username, email, first_name, last_name, status, created_at)
     SELECT md5('account' || n)::uuid, 'user' || n, 'user' || n || '@example.com', 'First' || (n % 977), 'Last' || (n % 991), 'ACTIVE', now() - n * interval '1 minute'
       FROM generate_series(1, ${ACCOUNTS}) n`,
  );
  await orm.em.getConnection().execute('ANALYZE accounts');
}, 60_000);

afterAll(async () => {
  await orm?.close();
  await dropDatabase(serverUrl, database);
});

const MATCHES = `("a0"."username" ilike ? or "a0"."email" ilike ? or "a0"."first_name" ilike ? or "a0"."last_name" ilike ?)`;

it.each([
  ['the page', `select "a0".* from "accounts" as "a0" where ${MATCHES} order by "a0"."created_at" asc, "a0"."id" asc limit 21`],
  ['totalCount', `select count(*) as "count" from "accounts" as "a0" where ${MATCHES}`],
])('a search for a rare text: %s reads a few pages through an index, not every account', async (_, statement) => {
  const pattern = '%user12345%';
  const root = await explainAnalyze(orm, statement, [pattern, pattern, pattern, pattern]);
  expect(planNodes(root).map((node) => node['Node Type'])).not.toContain('Seq Scan');
  // The few matches and the index entries leading to them take far fewer pages than the table.
  const [{ pages }] = await orm.em.getConnection().execute<{ pages: number }[]>("SELECT pg_relation_size('accounts') / current_setting('block_size')::int AS pages");
  expect(pagesRead(root)).toBeLessThan(pages / 2);
});

it('a search of a rare word and a short one finds the rare word through the index and narrows its matches by the short one', async () => {
  // filterFor's two words: each found in some field (a word of two letters has no trigram of its own).
  const statement = `select count(*) as "count" from "accounts" as "a0" where ${MATCHES} and ${MATCHES}`;
  const root = await explainAnalyze(orm, statement, [...Array(4).fill('%user12345%'), ...Array(4).fill('%fi%')]);
  expect(planNodes(root).map((node) => node['Node Type'])).not.toContain('Seq Scan');
  const [{ pages }] = await orm.em.getConnection().execute<{ pages: number }[]>("SELECT pg_relation_size('accounts') / current_setting('block_size')::int AS pages");
  expect(pagesRead(root)).toBeLessThan(pages / 2);
});
