import { ClassType, Field, ObjectType } from 'type-graphql';
import { PageInfo } from './page-info.type';

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: PageInfo;
}

/**
 * The Relay connection and edge types of one node type, named `<Name>Connection` and `<Name>Edge`;
 * `description` names one node, `plural` several (an `s` added unless given).
 */
export function connectionType<T extends object>(node: ClassType<T>, name: string, description: string, plural = `${description}s`): ClassType<Connection<T>> {
  @ObjectType(`${name}Edge`, { description: `One ${description} and where it stands in the list` })
  class Edge {
    @Field(() => String, { description: 'Pass as `after` to continue after this item' })
    cursor!: string;

    @Field(() => node, { description: `The ${description}` })
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `One page of ${plural}` })
  class ConnectionType {
    @Field(() => [Edge], { description: 'The items of this page, each with its cursor' })
    edges!: Edge[];

    @Field(() => [node], { description: 'The items of this page' })
    nodes!: T[];

    @Field(() => PageInfo, { description: 'Paging state' })
    pageInfo!: PageInfo;
  }
  return ConnectionType;
}
