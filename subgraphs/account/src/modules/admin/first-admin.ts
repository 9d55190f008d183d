import { EntityManager } from '@mikro-orm/postgresql';
import { arrayParameter, firstAdminAccountId, Logger, normaliseEmail } from '@herck/common';
import { isAbandoned } from '../account/abandoned-account';
import { accountChanged, accountDeleted } from '../account/account-events';
import { Account, AccountStatus } from '../account/account.entity';
import { MAX_USERNAME_LENGTH, validUsername } from '../account/profile-rules';

/** The name a new first admin gets when none is configured. */
const DEFAULT_ADMIN_USERNAME = 'admin';
/** The roles auth gives the first admin (ensureFirstAdminCredential). */
const FIRST_ADMIN_ROLES = ['USER', 'ADMIN'];

/**
 * Makes sure the configured first admin has an active account. Its roles and
 * password are set by the auth subgraph from the same settings.
 *
 * A configured `username` is applied to an existing admin too (the operator changed
 * HERCK_ADMIN_USERNAME), unless another account holds it; with none configured, the
 * existing admin keeps its name, which it may have chosen through the API.
 */
export async function ensureFirstAdminAccount(em: EntityManager, admin: { email: string; username?: string }, logger: Logger): Promise<Account> {
  const email = normaliseEmail(admin.email, 'HERCK_ADMIN_EMAIL');
  const account = await em.transactional(async (tx) => {
    const repository = tx.getRepository(Account);
    const existing = await repository.findByEmail(email);
    if (existing) {
      let changed = false;
      if (existing.status !== AccountStatus.ACTIVE) {
        existing.status = AccountStatus.ACTIVE;
        changed = true;
      }
      const wanted = admin.username === undefined ? undefined : validUsername(admin.username);
      if (wanted !== undefined && wanted !== existing.username) {
        if (await freeFor(tx, wanted, existing.id)) {
          existing.username = wanted;
          changed = true;
        } else {
          logger.warn('the admin\'s username is taken: the admin keeps its current one, or signs in by email', { wanted, username: existing.username });
        }
      }
      if (changed) {
        existing.version += 1;
        tx.persist(accountChanged(existing));
      }
      return existing;
    }
    const base = admin.username ?? DEFAULT_ADMIN_USERNAME;
    const wanted = validUsername(base);
    let username = wanted;
    // A taken name gets a number; the name is cut to make room, so it stays a valid username.
    for (let suffix = 2; !(await freeFor(tx, username)); suffix += 1) username = `${wanted.slice(0, MAX_USERNAME_LENGTH - String(suffix).length)}${suffix}`;
    // Said out loud: the operator asked for one name and signs in with another.
    if (username !== wanted) logger.warn('the admin\'s username is taken: the admin signs in with another, or by email', { wanted, username });
    const account = tx.create(Account, {
      id: firstAdminAccountId(email),
      username,
      email,
      firstName: 'Herck',
      lastName: 'Admin',
      status: AccountStatus.ACTIVE,
    });
    tx.persist(accountChanged(account));
    await tx.flush();
    // Auth makes it an admin from the same settings, and may say so before this account exists here,
    // when the word is ignored (roles-events.handler): the roles are written with the account instead.
    await tx.execute(
      `INSERT INTO account_roles (account_id, roles) VALUES (?, ?::text[])
       ON CONFLICT (account_id) DO UPDATE SET roles = EXCLUDED.roles`,
      [account.id, arrayParameter(FIRST_ADMIN_ROLES)],
    );
    return account;
  });
  logger.info('admin account ready', { accountId: account.id, username: account.username });
  return account;
}

/**
 * Whether the admin may take `username`: nobody holds it, the admin itself does, or a registration
 * never confirmed in time does (it goes, announced like any deletion, as when someone registers).
 */
async function freeFor(tx: EntityManager, username: string, selfId?: string): Promise<boolean> {
  const holder = await tx.getRepository(Account).findByUsername(username);
  if (!holder || holder.id === selfId) return true;
  if (!isAbandoned(holder)) return false;
  tx.remove(holder);
  tx.persist(accountDeleted(holder));
  // Gone before the name is taken, inside this transaction.
  await tx.flush();
  return true;
}
