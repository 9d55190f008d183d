import { Logger, openSubgraphStore, Orm, testEnvironment, TestEnvironment } from '@herck/common';
import { marketStore, readMarketConfig } from '../../src';

/** The store a test file (or describe block) opened with `useMarketStore`. */
export interface TestStore {
  /** Open from the block's `beforeAll` to its `afterAll`. */
  readonly orm: Orm;
  /** The store's connection string, for what opens connections of its own (listeners, leases). */
  readonly databaseUrl: string;
}

/**
 * Market's store for the test file or describe block that calls it (at its top level): a database
 * of its own, migrated and opened before the block's tests, closed and dropped after them. Set-up
 * of the block's own (seeded assets, providers) goes in a `beforeAll` registered after this call.
 */
export function useMarketStore(): TestStore {
  let environment: TestEnvironment | undefined;
  let orm: Orm | undefined;
  beforeAll(async () => {
    environment = testEnvironment();
    orm = await openSubgraphStore(readMarketConfig(environment.env), new Logger('market', 'error'), marketStore);
  });
  afterAll(async () => {
    await orm?.close();
    await environment?.cleanUp();
  });
  const opened = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('The market store is open only while the block’s tests run');
    return value;
  };
  return {
    get orm() {
      return opened(orm);
    },
    get databaseUrl() {
      return readMarketConfig(opened(environment).env).databaseUrl;
    },
  };
}
