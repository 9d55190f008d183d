import { Migration20261123000300_market } from './Migration20261123000300_market';

/** Applied in this order at start-up; append, never edit a migration that has shipped. */
export const migrations = [{ name: 'Migration20261123000300_market', class: Migration20261123000300_market }];
