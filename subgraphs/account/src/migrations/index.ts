import { Migration20261122000100_accounts } from './Migration20261122000100_accounts';
import { Migration20261204000100_account_roles } from './Migration20261204000100_account_roles';
import { Migration20261206000100_account_status_default } from './Migration20261206000100_account_status_default';
import { Migration20261206000200_account_search } from './Migration20261206000200_account_search';
import { Migration20261206000300_account_roles_orphans } from './Migration20261206000300_account_roles_orphans';

/** Applied in this order at start-up; append, never edit a migration that has shipped. */
export const migrations = [
  { name: 'Migration20261122000100_accounts', class: Migration20261122000100_accounts },
  { name: 'Migration20261204000100_account_roles', class: Migration20261204000100_account_roles },
  { name: 'Migration20261206000100_account_status_default', class: Migration20261206000100_account_status_default },
  { name: 'Migration20261206000200_account_search', class: Migration20261206000200_account_search },
  { name: 'Migration20261206000300_account_roles_orphans', class: Migration20261206000300_account_roles_orphans },
];
