import { Field, InputType } from 'type-graphql';
import { AccountStatus } from './account.entity';

@InputType({ description: 'Profile changes; omitted fields stay as they are' })
export class UpdateAccountInput {
  @Field(() => String, { nullable: true, description: 'New username (must be free)' })
  username?: string;

  @Field(() => String, { nullable: true, description: 'New given name' })
  firstName?: string;

  @Field(() => String, { nullable: true, description: 'New family name' })
  lastName?: string;
}

@InputType({ description: 'Narrows the account list' })
export class AccountFilter {
  @Field(() => AccountStatus, { nullable: true, description: 'Only accounts in this state' })
  status?: AccountStatus;

  @Field(() => String, { nullable: true, description: 'Words (at most 8 different ones), each found in the username, email or names (case-insensitive): "Ada Lovelace" finds her by first and last name' })
  search?: string;
}
