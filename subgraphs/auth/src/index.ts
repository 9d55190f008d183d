export * from './env';
export * from './schema';
export * from './server';
export { JWKS_PATH } from './modules/session/jwks.route';
export * from './store';
export { ensureFirstAdminCredential } from './modules/admin/first-admin';
