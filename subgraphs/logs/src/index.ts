export * from './env';
export * from './schema';
export * from './server';
export * from './store';
export type { LogStore, StoredLogEntry, LogSelection } from './modules/store/log-store';
export { PostgresLogStore } from './modules/store/postgres/postgres-log-store';
export { parseLogLine } from './modules/ingest/log-line';
