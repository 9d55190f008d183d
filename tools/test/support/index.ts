/** The test harness, also used by the benchmarks in `bench/`. */
export * from './graphql-client';
export * from './operations.generated';
export * from './platform';
export * from './smtp-mailbox';
export * from './users';
