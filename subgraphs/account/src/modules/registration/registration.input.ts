import { Field, InputType } from 'type-graphql';

@InputType({ description: 'Who is registering; a confirmation link is mailed to the email address' })
export class RegisterInput {
  @Field(() => String, { description: '3–64 Latin letters (a–z, A–Z), digits, dots, dashes or underscores' })
  username!: string;

  @Field(() => String, { description: 'Where the confirmation link is sent' })
  email!: string;

  @Field(() => String, { description: 'Given name, 1–100 characters' })
  firstName!: string;

  @Field(() => String, { description: 'Family name, 1–100 characters' })
  lastName!: string;
}
