export * from './env';
export * from './server';
export * from './system/system-schema';
