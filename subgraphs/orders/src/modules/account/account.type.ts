import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** The account entity of the account subgraph; orders adds its `orders` to it. */
@ObjectType('Account', { description: 'A user account: the profile owned by the account subgraph' })
@Directive('@key(fields: "id")')
export class AccountReference {
  @Field(() => ID, { description: 'Stable account id' })
  id!: string;
}
