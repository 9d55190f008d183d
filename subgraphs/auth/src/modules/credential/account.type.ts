import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Authenticated, Role, ROLES } from '@herck/common';

export const RoleEnum = Object.fromEntries(ROLES.map((role) => [role, role])) as { [R in Role]: R };

registerEnumType(RoleEnum, {
  name: 'Role',
  description: 'What a caller may do',
  valuesConfig: {
    USER: { description: 'A signed-in user: own account, orders, portfolios and alerts' },
    ANALYST: { description: 'May also use analysis tools across the market' },
    ADMIN: { description: 'May manage accounts, roles and logs' },
  },
});

/** The account as auth sees it: the same entity as in the account subgraph, with auth's fields. */
@ObjectType('Account', { description: 'A user account: the profile owned by the account subgraph' })
@Directive('@key(fields: "id")')
export class AuthAccount {
  @Field(() => ID, { description: 'Stable account id' })
  id!: string;

  @Authenticated()
  @Field(() => [RoleEnum], { description: 'Roles held; they decide which fields the caller may use' })
  roles!: Role[];

  @Authenticated()
  @Field(() => Date, { nullable: true, description: 'When the account last signed in with its password' })
  lastLoginAt!: Date | null;
}
