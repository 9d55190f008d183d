import { Directive, Field, ObjectType } from 'type-graphql';

/** Relay paging state; every subgraph that pages shares this type (@shareable lets each define it). */
@ObjectType({ description: 'Whether there is more to fetch' })
@Directive('@shareable')
export class PageInfo {
  @Field(() => Boolean, { description: 'True when another page follows' })
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge of this page' })
  endCursor!: string | null;
}
