import { Logger, openSubgraphStore, Orm, testEnvironment, TestEnvironment } from '@herck/common';
import { logsStore, readLogsConfig } from '../../src';

/** The store a test file opened with `useLogsStore`. */
export interface TestStore {
  /** Open from the file's `beforeAll` to its `afterAll`. */
  readonly orm: Orm;
}

/**
 * Logs' PostgreSQL store for the test file that calls it (at its top level): a database of its own,
 * migrated and opened before the file's tests, closed and dropped after them. Set-up of the file's
 * own (entries stored) goes in a `beforeAll` registered after this call.
 */
export function useLogsStore(): TestStore {
  let environment: TestEnvironment | undefined;
  let orm: Orm | undefined;
  beforeAll(async () => {
    environment = testEnvironment();
    orm = await openSubgraphStore(readLogsConfig(environment.env), new Logger('logs', 'error'), logsStore);
  });
  afterAll(async () => {
    await orm?.close();
    await environment?.cleanUp();
  });
  return {
    get orm() {
      if (!orm) throw new Error('The logs store is open only while the file’s tests run');
      return orm;
    },
  };
}
