import { createMailer, Logger, Mailer, RunningSubgraph, startSubgraph } from '@herck/common';
import { createAccountContext } from './context';
import { AccountConfig } from './env';
import { migrations } from './migrations';
import { AccountResolver } from './modules/account/account.resolver';
import { Account } from './modules/account/account.entity';
import { AccountService } from './modules/account/account.service';
import { ensureFirstAdminAccount } from './modules/admin/first-admin';
import { RegistrationResolver } from './modules/registration/registration.resolver';
import { RegistrationService } from './modules/registration/registration.service';
import { buildAccountSchema } from './schema';

export interface AccountServiceOverrides {
  mailer?: Mailer;
}

/** Builds the account subgraph and starts serving it on the configured port. */
export async function startAccountService(
  config: AccountConfig,
  logger: Logger,
  overrides: AccountServiceOverrides = {},
): Promise<RunningSubgraph> {
  const mailer = overrides.mailer ?? createMailer(config.mail, logger);
  return startSubgraph(config, logger, {
    entities: [Account],
    migrations,
    buildSchema: (runtime) =>
      buildAccountSchema(
        new Map<Function, object>([
          [AccountResolver, new AccountResolver(new AccountService(runtime.publishEvents))],
          [RegistrationResolver, new RegistrationResolver(new RegistrationService(config, mailer, logger, runtime.publishEvents))],
        ]),
      ),
    createContext: (base) => createAccountContext(base),
    async onStart(runtime) {
      if (!config.admin) return;
      const admin = await ensureFirstAdminAccount(runtime.orm.em.fork(), config.admin);
      runtime.publishEvents();
      logger.info('first admin account ready', { accountId: admin.id, username: admin.username });
    },
  });
}
