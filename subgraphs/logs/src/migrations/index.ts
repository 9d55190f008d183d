import { Migration20261123000700_logs } from './Migration20261123000700_logs';

/** Applied in this order at start-up; append, never edit a migration that has shipped. */
export const migrations = [{ name: 'Migration20261123000700_logs', class: Migration20261123000700_logs }];
