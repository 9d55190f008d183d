import { Directive, Field, Int, ObjectType } from 'type-graphql';
import { Account } from './account.entity';

@ObjectType({ description: 'An account and where it stands in the list' })
export class AccountEdge {
  @Field(() => String, { description: 'Pass as `after` to continue after this account' })
  cursor!: string;

  @Field(() => Account, { description: 'The account' })
  node!: Account;
}

// Every subgraph that pages shares this type; @shareable lets each define it.
@ObjectType({ description: 'Whether there is more to fetch' })
@Directive('@shareable')
export class PageInfo {
  @Field(() => Boolean, { description: 'True when another page follows' })
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge of this page' })
  endCursor!: string | null;
}

@ObjectType({ description: 'One page of accounts, oldest first' })
export class AccountConnection {
  @Field(() => [AccountEdge], { description: 'The accounts of this page, each with its cursor' })
  edges!: AccountEdge[];

  @Field(() => [Account], { description: 'The accounts of this page' })
  nodes!: Account[];

  @Field(() => PageInfo, { description: 'Paging state' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'How many accounts match the filter in all' })
  totalCount!: number;
}
