import { Migration20261123000300_market } from './Migration20261123000300_market';
import { Migration20261204000200_global_figures_index } from './Migration20261204000200_global_figures_index';
import { Migration20261205000300_announce_assets } from './Migration20261205000300_announce_assets';
import { Migration20261206000100_candle_closed_at } from './Migration20261206000100_candle_closed_at';
import { Migration20261206000200_asset_version } from './Migration20261206000200_asset_version';
import { Migration20261206000300_candle_revision } from './Migration20261206000300_candle_revision';

/** Applied in this order at start-up; append, never edit a migration that has shipped. */
export const migrations = [
  { name: 'Migration20261123000300_market', class: Migration20261123000300_market },
  { name: 'Migration20261204000200_global_figures_index', class: Migration20261204000200_global_figures_index },
  { name: 'Migration20261205000300_announce_assets', class: Migration20261205000300_announce_assets },
  { name: 'Migration20261206000100_candle_closed_at', class: Migration20261206000100_candle_closed_at },
  { name: 'Migration20261206000200_asset_version', class: Migration20261206000200_asset_version },
  { name: 'Migration20261206000300_candle_revision', class: Migration20261206000300_candle_revision },
];
