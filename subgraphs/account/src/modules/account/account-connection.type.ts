import { Field, Int, ObjectType } from 'type-graphql';
import { PageInfo } from '@herck/common';
import { Account } from './account.entity';

@ObjectType({ description: 'An account and where it stands in the list' })
export class AccountEdge {
  @Field(() => String, { description: 'Pass as `after` to continue after this account' })
  cursor!: string;

  @Field(() => Account, { description: 'The account' })
  node!: Account;
}

@ObjectType({ description: 'One page of accounts, oldest first' })
export class AccountConnection {
  @Field(() => [AccountEdge], { description: 'The accounts of this page, each with its cursor' })
  edges!: AccountEdge[];

  @Field(() => [Account], { description: 'The accounts of this page' })
  nodes!: Account[];

  @Field(() => PageInfo, { description: 'Paging state' })
  pageInfo!: PageInfo;

  /** Resolved by AccountConnectionResolver, which counts only when a query asks for it. */
  @Field(() => Int, { description: 'How many accounts match the filter in all' })
  totalCount!: number;

  /** Counts every match of the list's filter: a scan of all of them, so only run when `totalCount` is asked for. */
  countAll!: () => Promise<number>;
}
