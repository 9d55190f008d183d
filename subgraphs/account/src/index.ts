export * from './env';
export * from './server';
export * from './schema';
