import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'The same answer whether or not the address is known, so it reveals nothing' })
export class RegistrationReceipt {
  @Field(() => String, { description: 'What to do next' })
  message!: string;
}

@ObjectType({ description: 'An email address was confirmed; the password can be set now' })
export class EmailConfirmation {
  @Field(() => String, { description: 'Single-use token for `setPassword`, valid for a short time' })
  passwordSetupToken!: string;

  @Field(() => Date, { description: 'When the password setup token expires' })
  expiresAt!: Date;
}
