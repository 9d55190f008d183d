export * from './env';
export * from './server';
export * from './system/system-schema';
export * from './remote/subgraph-pool';
