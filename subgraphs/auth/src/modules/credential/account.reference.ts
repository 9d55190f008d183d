import { assertOwnerOrAdmin, ReferenceResolvers } from '@herck/common';
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
      // Roles and sign-ins are the owner's and the admins' to read, as the account's email is.
      assertOwnerOrAdmin(context.identity, reference.id);
      const credential = await context.credentialsById.load(reference.id);
      return credential ? toAuthAccount(credential) : { id: reference.id, roles: [], lastLoginAt: null };
    },
  },
};
