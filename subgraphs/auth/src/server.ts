import { Logger, RunningSubgraph, startSubgraph } from '@herck/common';
import { createAuthContext } from './context';
import { AuthConfig } from './env';
import { migrations } from './migrations';
import { ensureFirstAdminCredential } from './modules/admin/first-admin';
import { accountEventHandlers } from './modules/credential/account-events.handler';
import { Credential } from './modules/credential/credential.entity';
import { CredentialResolver } from './modules/credential/credential.resolver';
import { CredentialService } from './modules/credential/credential.service';
import { UsedSetupToken } from './modules/credential/used-setup-token.entity';
import { LoginThrottle } from './modules/login/login-throttle.entity';
import { LoginResolver } from './modules/login/login.resolver';
import { LoginService } from './modules/login/login.service';
import { serveJwks } from './modules/session/jwks.route';
import { RefreshToken } from './modules/session/refresh-token.entity';
import { SessionService } from './modules/session/session.service';
import { buildAuthSchema } from './schema';

/** Builds the auth subgraph and starts serving it (GraphQL and the JWKS document). */
export async function startAuthService(config: AuthConfig, logger: Logger): Promise<RunningSubgraph> {
  const sessions = new SessionService(
    { key: config.signingKeys[0]!, issuer: config.issuer, audience: config.audience, ttlSeconds: config.accessTokenTtlSeconds },
    config.refreshTokenTtlDays,
  );
  return startSubgraph(config, logger, {
    entities: [Credential, UsedSetupToken, RefreshToken, LoginThrottle],
    migrations,
    buildSchema: () =>
      buildAuthSchema(
        new Map<Function, object>([
          [CredentialResolver, new CredentialResolver(new CredentialService(config.setupTokenKeys, sessions))],
          [LoginResolver, new LoginResolver(new LoginService(sessions, config.throttle), sessions)],
        ]),
      ),
    createContext: (base) => createAuthContext(base),
    eventHandlers: accountEventHandlers,
    routes: (app) => serveJwks(app, config.signingKeys),
    async onStart(runtime) {
      if (!config.admin) return;
      const admin = await ensureFirstAdminCredential(runtime.orm.em.fork(), config.admin);
      logger.info('first admin can sign in', { accountId: admin.accountId });
    },
  });
}
