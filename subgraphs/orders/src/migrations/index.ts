import { Migration20261123000500_orders } from './Migration20261123000500_orders';

/** Applied in this order at start-up; append, never edit a migration that has shipped. */
export const migrations = [{ name: 'Migration20261123000500_orders', class: Migration20261123000500_orders }];
