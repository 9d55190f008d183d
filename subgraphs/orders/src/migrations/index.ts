import { Migration20261123000500_orders } from './Migration20261123000500_orders';
import { Migration20261202000200_deleted_owners } from './Migration20261202000200_deleted_owners';
import { Migration20261207120000_asset_states } from './Migration20261207120000_asset_states';

/** Applied in this order at start-up; append, never edit a migration that has shipped. */
export const migrations = [
  { name: 'Migration20261123000500_orders', class: Migration20261123000500_orders },
  { name: 'Migration20261202000200_deleted_owners', class: Migration20261202000200_deleted_owners },
  { name: 'Migration20261207120000_asset_states', class: Migration20261207120000_asset_states },
];
