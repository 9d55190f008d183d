import { Migration20261123000700_logs } from './Migration20261123000700_logs';
import { Migration20261202000800_logs_search_vector } from './Migration20261202000800_logs_search_vector';
import { Migration20261207000900_logs_search_text } from './Migration20261207000900_logs_search_text';

/** Applied in this order at start-up; append, never edit a migration that has shipped. */
export const migrations = [
  { name: 'Migration20261123000700_logs', class: Migration20261123000700_logs },
  { name: 'Migration20261202000800_logs_search_vector', class: Migration20261202000800_logs_search_vector },
  { name: 'Migration20261207000900_logs_search_text', class: Migration20261207000900_logs_search_text },
];
