import { Logger, RunningSubgraph, startSubgraph } from '@herck/common';
import { createAuthContext } from './context';
import { AuthConfig } from './env';
import { ensureFirstAdminCredential } from './modules/admin/first-admin';
import { accountEventHandlers } from './modules/credential/account-events.handler';
import { CredentialResolver } from './modules/credential/credential.resolver';
import { CredentialService } from './modules/credential/credential.service';
import { LoginResolver } from './modules/login/login.resolver';
import { LoginService } from './modules/login/login.service';
import { deleteExpiredAuthRows } from './modules/maintenance/expired-rows';
import { serveJwks } from './modules/session/jwks.route';
import { serveSessionState } from './modules/session/session-state.route';
import { SessionService } from './modules/session/session.service';
import { buildAuthSchema } from './schema';
import { authStore } from './store';

/** Builds the auth subgraph and starts serving it (GraphQL and the JWKS document). */
export async function startAuthService(config: AuthConfig, logger: Logger): Promise<RunningSubgraph> {
  const sessions = new SessionService(
    { key: config.signingKeys[0]!, issuer: config.issuer, audience: config.audience, ttlSeconds: config.accessTokenTtlSeconds },
    config.refreshTokenTtlDays,
    config.sessionsPerAccount,
  );
  return startSubgraph(config, logger, {
    ...authStore,
    buildSchema: (runtime) =>
      buildAuthSchema(
        new Map<Function, object>([
          [CredentialResolver, new CredentialResolver(new CredentialService(config.setupTokenKeys, sessions, runtime))],
          [LoginResolver, new LoginResolver(new LoginService(sessions, runtime.orm, config.loginLimits, runtime.logger, runtime.catchUpEvents), sessions)],
        ]),
      ),
    createContext: (base) => createAuthContext(base),
    eventHandlers: accountEventHandlers,
    routes(app, runtime, gatewayOnly) {
      serveJwks(app, config.signingKeys);
      serveSessionState(app, runtime.orm, gatewayOnly);
    },
    async onStart(runtime) {
      if (!config.admin) return;
      await ensureFirstAdminCredential(runtime.orm.em.fork(), config.admin, logger);
      runtime.publishEvents();
    },
    housekeeping: (runtime) => deleteExpiredAuthRows(runtime.orm.em.fork(), logger, config.revokedRefreshTokenKeepHours),
  });
}
