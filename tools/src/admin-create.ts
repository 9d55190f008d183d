import { accountStore, ensureFirstAdminAccount, readAccountConfig } from '@herck/account';
import { authStore, ensureFirstAdminCredential, readAuthConfig } from '@herck/auth';
import { ConfigError, Logger, openSubgraphStore } from '@herck/common';
import { embeddedDatabaseIfNeeded } from './embedded-database';
import { parseCommandLine } from './command-line';
import { UsageError } from './usage-error';

const USAGE = 'npm run admin:create -- --email admin@example.com --password "a long passphrase" [--username admin]';

/**
 * Creates (or updates) an admin directly in the account and auth stores, for
 * the first admin of an installation or to regain access. The profile change
 * reaches the other services as an event once the account subgraph runs.
 */
async function main(): Promise<void> {
  const { values } = parseCommandLine({ options: { email: { type: 'string' }, password: { type: 'string' }, username: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }, USAGE);
  if (values.help) {
    console.log(`${USAGE}\n\nCreates an admin, or makes an existing account (found by email) an admin with that password, ending its sessions.\nThe username defaults to HERCK_ADMIN_USERNAME, else "admin" (another is picked when it is taken).`);
    return;
  }
  const email = values.email ?? process.env.HERCK_ADMIN_EMAIL;
  const password = values.password ?? process.env.HERCK_ADMIN_PASSWORD;
  if (!email || !password) throw new UsageError([`--email and --password are required: ${USAGE}`]);
  const env = { ...process.env, HERCK_ADMIN_EMAIL: email, HERCK_ADMIN_PASSWORD: password, HERCK_ADMIN_USERNAME: values.username ?? process.env.HERCK_ADMIN_USERNAME };
  const logger = new Logger('admin:create', 'info');

  const database = await embeddedDatabaseIfNeeded(env);
  try {
    const [accountConfig, authConfig] = withOptionNames(() => [readAccountConfig(env), readAuthConfig(env)] as const, values.password !== undefined);
    const accountOrm = await openSubgraphStore(accountConfig, logger, accountStore);
    const account = await ensureFirstAdminAccount(accountOrm.em.fork(), accountConfig.admin!, logger).finally(() => accountOrm.close());
    const authOrm = await openSubgraphStore(authConfig, logger, authStore);
    await ensureFirstAdminCredential(authOrm.em.fork(), { ...authConfig.admin!, email: account.email, accountId: account.id }, logger).finally(() => authOrm.close());
    console.log(`Admin ${account.username} <${account.email}> can sign in.`);
  } finally {
    await database?.stop();
  }
}

/** A password given as `--password` that the configuration refuses is the argument's fault: say so by its name. */
function withOptionNames<T>(read: () => T, passwordFromOption: boolean): T {
  try {
    return read();
  } catch (error) {
    const variable = /^HERCK_ADMIN_PASSWORD /;
    if (!(error instanceof ConfigError) || !passwordFromOption || !error.problems.some((problem) => variable.test(problem))) throw error;
    // Only the password's problems are the argument's; any other is still its variable's.
    const [argument, others] = [error.problems.filter((problem) => variable.test(problem)), error.problems.filter((problem) => !variable.test(problem))];
    if (others.length) throw new ConfigError([...others, ...argument.map((problem) => problem.replace(variable, 'the --password argument: '))]);
    throw new UsageError(argument.map((problem) => problem.replace(variable, '--password ')));
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `admin:create failed: ${(error as Error)?.message ?? error}`);
  process.exit(1);
});
