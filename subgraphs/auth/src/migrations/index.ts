import { Migration20261122000200_auth } from './Migration20261122000200_auth';

/** Applied in this order at start-up; append, never edit a migration that has shipped. */
export const migrations = [{ name: 'Migration20261122000200_auth', class: Migration20261122000200_auth }];
