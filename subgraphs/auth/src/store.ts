import { migrations } from './migrations';
import { Credential } from './modules/credential/credential.entity';
import { DeletedAccount } from './modules/credential/deleted-account.entity';
import { UsedSetupToken } from './modules/credential/used-setup-token.entity';
import { RefreshToken } from './modules/session/refresh-token.entity';

/** What the auth subgraph keeps in its database. */
export const authStore = { entities: [Credential, DeletedAccount, UsedSetupToken, RefreshToken], migrations };
