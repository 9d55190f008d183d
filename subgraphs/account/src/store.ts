import { migrations } from './migrations';
import { Account } from './modules/account/account.entity';

/** What the account subgraph keeps in its database. */
export const accountStore = { entities: [Account], migrations };
