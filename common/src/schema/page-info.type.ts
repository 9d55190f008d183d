import { Directive, Field, ObjectType } from 'type-graphql';

/** Relay paging state; every subgraph that pages shares this type (@shareable lets each define it). */
@ObjectType({ description: 'Where this page stands in the list' })
@Directive('@shareable')
export class PageInfo {
  @Field(() => Boolean, { description: 'True when another page follows' })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'True when the page starts after a cursor (or an offset): items come before it' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first edge of this page' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge of this page' })
  endCursor!: string | null;
}

/**
 * The paging state of a page of `edges`: `hasNextPage` from the row read past the page,
 * `hasPreviousPage` when the page was asked for after a cursor or an offset (Relay lets a list
 * paged forward answer so, rather than count what lies before).
 */
export function pageInfoOf(edges: { cursor: string }[], hasNextPage: boolean, hasPreviousPage: boolean): PageInfo {
  return { hasNextPage, hasPreviousPage, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null };
}
