import { Migration20261123000400_analysis } from './Migration20261123000400_analysis';

/** Applied in this order at start-up; append, never edit a migration that has shipped. */
export const migrations = [{ name: 'Migration20261123000400_analysis', class: Migration20261123000400_analysis }];
