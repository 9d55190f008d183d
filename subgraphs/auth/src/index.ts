export * from './env';
export * from './schema';
export * from './server';
export { JWKS_PATH } from './modules/session/jwks.route';
