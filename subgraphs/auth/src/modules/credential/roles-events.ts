import { OutboxMessage, ROLES_CHANGED, RolesChangedEvent } from '@herck/common';
import { Credential } from './credential.entity';

/** Persist with the role change it announces (same flush, same transaction). */
export function rolesChanged(credential: Credential): OutboxMessage {
  const payload: RolesChangedEvent = { accountId: credential.accountId, roles: [...credential.roles] };
  return new OutboxMessage(ROLES_CHANGED, { ...payload });
}
