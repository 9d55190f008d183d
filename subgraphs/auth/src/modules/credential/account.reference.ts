import { ReferenceResolvers } from '@herck/common';
import { AuthContext } from '../../context';
import { AuthAccount } from './account.type';
import { Credential } from './credential.entity';

export function toAuthAccount(credential: Credential): AuthAccount {
  return { id: credential.accountId, roles: credential.roles, lastLoginAt: credential.lastLoginAt };
}

/** Resolves `Account` references to auth's fields; an account auth does not know is null. */
export const authReferenceResolvers: ReferenceResolvers = {
  Account: {
    async __resolveReference(reference: { id: string }, context: AuthContext): Promise<AuthAccount | null> {
      const credential = await context.credentialsById.load(reference.id);
      return credential ? toAuthAccount(credential) : null;
    },
  },
};
