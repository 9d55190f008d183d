import { Logger, openSubgraphStore, Orm, testEnvironment, TestEnvironment } from '@herck/common';
import { analysisStore, readAnalysisConfig } from '../../src';

/** The store a test file opened with `useAnalysisStore`. */
export interface TestStore {
  /** Open from the file's `beforeAll` to its `afterAll`. */
  readonly orm: Orm;
}

/**
 * Analysis's store for the test file that calls it (at its top level): a database of its own,
 * migrated and opened before the file's tests, closed and dropped after them.
 */
export function useAnalysisStore(): TestStore {
  let environment: TestEnvironment | undefined;
  let orm: Orm | undefined;
  beforeAll(async () => {
    environment = testEnvironment();
    orm = await openSubgraphStore(readAnalysisConfig(environment.env), new Logger('analysis', 'error'), analysisStore);
  });
  afterAll(async () => {
    await orm?.close();
    await environment?.cleanUp();
  });
  return {
    get orm() {
      if (!orm) throw new Error('The analysis store is open only while the file’s tests run');
      return orm;
    },
  };
}
