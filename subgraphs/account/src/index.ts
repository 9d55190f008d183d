export * from './env';
export * from './server';
export * from './schema';
export * from './store';
export { ensureFirstAdminAccount } from './modules/admin/first-admin';
