import { createMailer, Logger, Mailer, RunningSubgraph, startSubgraph } from '@herck/common';
import { createAccountContext } from './context';
import { AccountConfig } from './env';
import { AccountConnectionResolver, AccountResolver } from './modules/account/account.resolver';
import { AccountService } from './modules/account/account.service';
import { warnWithoutSearchIndex } from './modules/account/search-index';
import { ensureFirstAdminAccount } from './modules/admin/first-admin';
import { rolesEventHandlers } from './modules/admin/roles-events.handler';
import { RegistrationResolver } from './modules/registration/registration.resolver';
import { MailLimiter } from './modules/registration/mail-limits';
import { deleteAbandonedRegistrations } from './modules/registration/abandoned-registrations';
import { RegistrationService } from './modules/registration/registration.service';
import { buildAccountSchema } from './schema';
import { accountStore } from './store';

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
    ...accountStore,
    buildSchema: (runtime) =>
      buildAccountSchema(
        new Map<Function, object>([
          [AccountResolver, new AccountResolver(new AccountService(runtime.relayEvents, runtime.catchUpEvents, runtime.exclusively))],
          [AccountConnectionResolver, new AccountConnectionResolver()],
          [RegistrationResolver, new RegistrationResolver(new RegistrationService(config, mailer, new MailLimiter(runtime.orm, config.mailLimits), runtime))],
        ]),
      ),
    createContext: (base) => createAccountContext(base),
    eventHandlers: rolesEventHandlers(),
    async onStart(runtime) {
      await warnWithoutSearchIndex(runtime.orm.em.fork(), logger);
      if (!config.admin) return;
      await ensureFirstAdminAccount(runtime.orm.em.fork(), config.admin, logger);
      runtime.publishEvents();
    },
    housekeeping: async (runtime) => void (await deleteAbandonedRegistrations(runtime, logger)),
  });
}
