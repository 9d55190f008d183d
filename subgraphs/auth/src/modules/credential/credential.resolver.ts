import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { RequiresRole, Role } from '@herck/common';
import { AuthContext } from '../../context';
import { toAuthAccount } from './account.reference';
import { AuthAccount, RoleEnum } from './account.type';
import { CredentialService } from './credential.service';

@Resolver()
export class CredentialResolver {
  constructor(private readonly credentials: CredentialService) {}

  @Mutation(() => Boolean, {
    description: 'Set the password with the single-use token from `confirmEmail`: 12 to 128 characters, not a common password. Ends open sessions.',
  })
  async setPassword(
    @Arg('token', () => String, { description: 'The passwordSetupToken from confirmEmail' }) token: string,
    @Arg('password', () => String, { description: 'The new password' }) password: string,
    @Ctx() { em }: AuthContext,
  ): Promise<boolean> {
    await this.credentials.setPassword(em, token, password);
    return true;
  }

  @RequiresRole('ADMIN')
  @Mutation(() => AuthAccount, { description: "Replace an account's roles (admins). Tokens already issued carry the new roles within seconds." })
  async setRoles(
    @Arg('accountId', () => ID, { description: 'Account whose roles change' }) accountId: string,
    @Arg('roles', () => [RoleEnum], { description: 'The complete new set of roles' }) roles: Role[],
    @Ctx() { em }: AuthContext,
  ): Promise<AuthAccount> {
    return toAuthAccount(await this.credentials.setRoles(em, accountId, roles));
  }
}
