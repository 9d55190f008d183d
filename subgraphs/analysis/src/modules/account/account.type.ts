import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** The account entity of the account subgraph; analysis only points at it (a strategy's owner). */
@ObjectType('Account', { description: 'A user account: the profile owned by the account subgraph' })
@Directive('@key(fields: "id", resolvable: false)')
export class AccountReference {
  @Field(() => ID, { description: 'Stable account id' })
  id!: string;
}
