import { Migration20261122000100_accounts } from './Migration20261122000100_accounts';

/** Applied in this order at start-up; append, never edit a migration that has shipped. */
export const migrations = [{ name: 'Migration20261122000100_accounts', class: Migration20261122000100_accounts }];
