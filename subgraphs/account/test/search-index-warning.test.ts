import { Logger, testEnvironment, TestEnvironment } from '@herck/common';
import { readAccountConfig, startAccountService } from '../src';

/**
 * Where the server lacks pg_trgm (or the right to create it) the search index's migration skips
 * the index with a NOTICE, which no one sees: the driver drops notices and the server logs only
 * warnings by default. The account service says so in its own log when it starts.
 */
let environment: TestEnvironment;

afterAll(async () => {
  await environment?.cleanUp();
});

const noMail = { mailer: { send: async () => undefined } };

it('warns at start-up when the account search has no trigram index, and only then', async () => {
  environment = testEnvironment();
  const config = readAccountConfig(environment.env);
  const lines: string[] = [];
  const logger = () => new Logger('account', 'warn', {}, (line: string) => lines.push(line));
  const first = await startAccountService(config, logger(), noMail);
  const warnings = () => lines.filter((line) => line.includes('no trigram index for the account search'));
  expect(warnings()).toEqual([]);
  // As on a server without pg_trgm: migrated, but without the index.
  await first.runtime.orm.em.getConnection().execute('DROP INDEX accounts_search_idx');
  await first.stop();
  const second = await startAccountService(config, logger(), noMail);
  await second.stop();
  expect(warnings()).toHaveLength(1);
});
