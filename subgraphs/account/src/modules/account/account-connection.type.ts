import { Field, Int, ObjectType } from 'type-graphql';
import { Account } from './account.entity';

@ObjectType({ description: 'An account and where it stands in the list' })
export class AccountEdge {
  @Field(() => String, { description: 'Pass as `after` to continue after this account' })
  cursor!: string;

  @Field(() => Account, { description: 'The account' })
  node!: Account;
}

@ObjectType({ description: 'Whether there is more to fetch' })
export class PageInfo {
  @Field(() => Boolean, { description: 'True when another page follows' })
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge of this page' })
  endCursor!: string | null;
}

@ObjectType({ description: 'One page of accounts, oldest first' })
export class AccountConnection {
  @Field(() => [AccountEdge], { description: 'The accounts of this page' })
  edges!: AccountEdge[];

  @Field(() => PageInfo, { description: 'Paging state' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'How many accounts match the filter in all' })
  totalCount!: number;
}
