import { GraphQLError } from 'graphql';

interface ExecutionResultLike {
  errors?: readonly GraphQLError[];
  extensions?: Record<string, unknown>;
}

/**
 * Apollo Gateway reports a null it had to put where the schema promises a value (a subgraph
 * answered an entity null without an error: stores that disagree) only under
 * `extensions.valueCompletion`, and only when no fetch failed. The client then got `data: null`, or a
 * parent nulled, with no error at all: GraphQL does not allow that, and no client can tell it from
 * "nothing there". Those nulls become errors at their paths; their code (INVALID_GRAPHQL) is no
 * stable one, so the client sees INTERNAL_SERVER_ERROR and the log the gateway's message. (When a
 * fetch failed, Apollo Gateway drops these reports altogether; the fetch's error then stands for them.)
 */
export function withValueCompletionErrors<T extends ExecutionResultLike>(result: T): T {
  const completion = result.extensions?.valueCompletion;
  if (!Array.isArray(completion) || completion.length === 0) return result;
  const { valueCompletion: _moved, ...extensions } = result.extensions!;
  const errors = [...(result.errors ?? []), ...(completion as GraphQLError[])];
  return { ...result, errors, extensions: Object.keys(extensions).length ? extensions : undefined };
}
