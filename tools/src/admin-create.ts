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
    const given = { HERCK_ADMIN_EMAIL: values.email !== undefined, HERCK_ADMIN_PASSWORD: values.password !== undefined, HERCK_ADMIN_USERNAME: values.username !== undefined };
    const [accountConfig, authConfig] = withOptionNames(() => [readAccountConfig(env), readAuthConfig(env)] as const, given);
    const accountOrm = await openSubgraphStore(accountConfig, logger, accountStore);
    const account = await ensureFirstAdminAccount(accountOrm.em.fork(), accountConfig.admin!, logger).finally(() => accountOrm.close());
    const authOrm = await openSubgraphStore(authConfig, logger, authStore);
    await ensureFirstAdminCredential(authOrm.em.fork(), { ...authConfig.admin!, email: account.email, accountId: account.id }, logger).finally(() => authOrm.close());
    console.log(`Admin ${account.username} <${account.email}> can sign in.`);
  } finally {
    await database?.stop();
  }
}

/** The command's option standing for each variable it fills in. */
const OPTIONS: Record<string, string> = { HERCK_ADMIN_EMAIL: '--email', HERCK_ADMIN_PASSWORD: '--password', HERCK_ADMIN_USERNAME: '--username' };

/**
 * A value given as an option (`--password`, `--username`, `--email`) that the configuration refuses is
 * the argument's fault: say so by the option's name, not by a variable the user never set.
 */
function withOptionNames<T>(read: () => T, given: Record<string, boolean>): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const variableOf = (problem: string) => Object.keys(OPTIONS).find((variable) => given[variable] && problem.startsWith(`${variable} `));
    const renamed = (problem: string) => {
      const variable = variableOf(problem);
      return variable ? `${OPTIONS[variable]} ${problem.slice(variable.length + 1)}` : problem;
    };
    // Only the options' problems: a usage error. With any other, still the configuration's, each named as it was given.
    if (error.problems.every((problem) => variableOf(problem))) throw new UsageError(error.problems.map(renamed));
    throw new ConfigError(error.problems.map((problem) => (variableOf(problem) ? `the ${renamed(problem).replace(/^(--\w+) /, '$1 argument: ')}` : problem)));
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `admin:create failed: ${(error as Error)?.message ?? error}`);
  process.exit(1);
});
