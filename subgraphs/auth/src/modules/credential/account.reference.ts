import { ReferenceResolvers } from '@herck/common';
import { AuthContext } from '../../context';
import { AuthAccount } from './account.type';
import { Credential } from './credential.entity';

export function toAuthAccount(credential: Credential): AuthAccount {
  return { id: credential.accountId, roles: credential.roles, lastLoginAt: credential.lastLoginAt };
}

/**
 * Resolves `Account` references to auth's fields. An account auth has not heard of yet (its
 * registration event is on its way) has no roles and has never signed in: `roles` is non-null,
 * and a null here would null a whole page of accounts.
 */
export const authReferenceResolvers: ReferenceResolvers = {
  Account: {
    async __resolveReference(reference: { id: string }, context: AuthContext): Promise<AuthAccount> {
      const credential = await context.credentialsById.load(reference.id);
      return credential ? toAuthAccount(credential) : { id: reference.id, roles: [], lastLoginAt: null };
    },
  },
};
