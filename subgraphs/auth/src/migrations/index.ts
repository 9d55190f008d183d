import { Migration20261122000200_auth } from './Migration20261122000200_auth';
import { Migration20261123000100_identity_hardening } from './Migration20261123000100_identity_hardening';
import { Migration20261123000700_announce_roles } from './Migration20261123000700_announce_roles';

/** Applied in this order at start-up; append, never edit a migration that has shipped. */
export const migrations = [
  { name: 'Migration20261122000200_auth', class: Migration20261122000200_auth },
  { name: 'Migration20261123000100_identity_hardening', class: Migration20261123000100_identity_hardening },
  { name: 'Migration20261123000700_announce_roles', class: Migration20261123000700_announce_roles },
];
