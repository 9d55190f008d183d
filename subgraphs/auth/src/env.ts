import {
  EnvReader,
  Environment,
  MAX_ACCESS_TOKEN_SECONDS,
  readSigningKeys,
  readSubgraphConfig,
  readVerificationKeys,
  SigningKey,
  SubgraphConfig,
  VerificationKey,
} from '@herck/common';
import { assertAcceptablePassword } from './modules/credential/password-policy';
import { LoginLimits } from './modules/login/login.service';

export interface AuthConfig extends SubgraphConfig {
  /** The first key signs access tokens; all of them are published in the JWKS (rotation). */
  signingKeys: SigningKey[];
  /** Public keys of the account subgraph's password-setup tokens. */
  setupTokenKeys: VerificationKey[];
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  /** Sessions (refresh token families) one account keeps; a sign-in beyond ends the least recently used. */
  sessionsPerAccount: number;
  /** How long housekeeping keeps a revoked refresh token (for looking into an incident) before deleting it. */
  revokedRefreshTokenKeepHours: number;
  loginLimits: LoginLimits;
  admin?: { email: string; username: string; password: string };
}

export function readAuthConfig(source: Environment = process.env): AuthConfig {
  const env = new EnvReader(source);
  const subgraph = readSubgraphConfig(env, 'auth');
  const keySource = { dataDir: subgraph.dataDir, production: subgraph.production };
  const adminEmail = env.string('HERCK_ADMIN_EMAIL');
  const adminPassword = env.string('HERCK_ADMIN_PASSWORD');
  if (adminEmail && !adminPassword) env.problem('HERCK_ADMIN_PASSWORD', 'is required when HERCK_ADMIN_EMAIL is set');
  const adminUsername = env.string('HERCK_ADMIN_USERNAME', 'admin');
  // Refused here, before any store is written: the account profile must not be made for an admin auth will refuse.
  if (adminEmail && adminPassword) {
    try {
      assertAcceptablePassword(adminPassword, [], { variants: false });
    } catch (error) {
      env.problem('HERCK_ADMIN_PASSWORD', (error as Error).message.replace(/^This password/, 'is a password that').replace(/^Password must/, 'must'));
    }
  }
  const freeAttempts = env.int('LOGIN_FREE_ATTEMPTS', 5, { min: 1, max: 100 });
  return env.finish({
    ...subgraph,
    signingKeys: readSigningKeys(env, { ...keySource, envName: 'AUTH_SIGNING', devFile: 'auth-signing.pem' }),
    setupTokenKeys: readVerificationKeys(env, { ...keySource, envName: 'SETUP_TOKEN', devFile: 'setup-token.pem' }),
    issuer: env.string('AUTH_ISSUER', 'herck-auth'),
    audience: env.string('AUTH_AUDIENCE', 'herck'),
    accessTokenTtlSeconds: env.int('ACCESS_TOKEN_TTL_SECONDS', MAX_ACCESS_TOKEN_SECONDS, { min: 10, max: MAX_ACCESS_TOKEN_SECONDS }),
    refreshTokenTtlDays: env.int('REFRESH_TOKEN_TTL_DAYS', 30, { min: 1, max: 365 }),
    sessionsPerAccount: env.int('SESSIONS_PER_ACCOUNT', 100, { min: 1, max: 10_000 }),
    revokedRefreshTokenKeepHours: env.int('REVOKED_REFRESH_TOKEN_KEEP_HOURS', 24, { min: 0, max: 24 * 365 }),
    loginLimits: {
      perAccountAndClient: freeAttempts,
      perAccount: env.int('LOGIN_ACCOUNT_ATTEMPTS', freeAttempts * 10, { min: freeAttempts, max: 10_000 }),
      perClient: env.int('LOGIN_CLIENT_ATTEMPTS', 100, { min: 1, max: 100_000 }),
      windowSeconds: env.int('LOGIN_MAX_LOCK_SECONDS', 900, { min: 1, max: 86_400 }),
    },
    admin:
      adminEmail && adminPassword
        ? { email: adminEmail, username: adminUsername, password: adminPassword }
        : undefined,
  });
}
