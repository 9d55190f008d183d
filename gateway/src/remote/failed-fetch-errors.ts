import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { FragmentDefinitionNode, GraphQLError, Kind, OperationDefinitionNode, parse, SelectionNode, SelectionSetNode, ValueNode } from 'graphql';

type FetchErrors = NonNullable<GatewayGraphQLResponse['errors']>;

/**
 * The answer for a fetch that got no answer (its subgraph unreachable, out of time, over its body
 * limit): the failure once for each field the fetch would have filled, at that field's path, as
 * GraphQL puts a field's error where the field is. Thrown instead, Apollo Gateway would report it
 * once and without a path, leaving a client to guess which nulls it explains.
 *
 * Paths are given as in the fetch's own answer (`_entities`, the entity's index, the field), which
 * Apollo Gateway maps to the paths in the client's answer as it does for a subgraph's own errors.
 * A representation the fetch's selections name no field for gets the error at the entity itself.
 */
export function failedFetchErrors(failure: GraphQLError, query: string, variables: Record<string, unknown> | undefined): FetchErrors {
  const error = (path: (string | number)[]) => ({ message: failure.message, path, extensions: failure.extensions });
  const document = parse(query);
  const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  if (!operation) return [{ message: failure.message, extensions: failure.extensions }];
  const fragments = new Map(document.definitions.filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION).map((fragment) => [fragment.name.value, fragment]));
  const representations = variables?.representations;
  const selection: Selection = { fragments, variables: variables ?? {} };
  if (!Array.isArray(representations)) return responseKeys(operation.selectionSet, null, selection).map((key) => error([key]));
  const entities = entitiesSelection(operation.selectionSet, fragments);
  return representations.flatMap((representation, index) => {
    const typename = (representation as { __typename?: unknown } | null)?.__typename;
    const keys = entities ? responseKeys(entities, typeof typename === 'string' ? typename : null, selection) : [];
    return keys.length ? keys.map((key) => error(['_entities', index, key])) : [error(['_entities', index])];
  });
}

/** The selections under `_entities` in an entity fetch. */
function entitiesSelection(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>): SelectionSetNode | undefined {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD && selection.name.value === '_entities') return selection.selectionSet;
    const nested = selection.kind === Kind.INLINE_FRAGMENT ? selection.selectionSet : selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value)?.selectionSet : undefined;
    const found = nested && entitiesSelection(nested, fragments);
    if (found) return found;
  }
  return undefined;
}

/** What decides which fields a fetch's answer would hold: its fragments, and the variables its @skip and @include read. */
interface Selection {
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

/**
 * The response keys a selection set fills on an object of `typename` (any, when null), fragments
 * followed; `__typename` left out (an entity's is known already, and Apollo Gateway fills a root's).
 * A field or fragment that @skip or @include leaves out is in no answer: no error is put at it.
 */
function responseKeys(selectionSet: SelectionSetNode, typename: string | null, { fragments, variables }: Selection, keys = new Set<string>()): string[] {
  for (const selection of selectionSet.selections) {
    if (!isIncluded(selection, variables)) continue;
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      if (selection.name.value !== '__typename') keys.add(key);
      continue;
    }
    const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
    const condition = fragment?.typeCondition?.name.value;
    if (fragment && (!condition || !typename || condition === typename)) responseKeys(fragment.selectionSet, typename, { fragments, variables }, keys);
  }
  return [...keys];
}

/** Whether a selection's @skip and @include keep it, as GraphQL execution decides (`skip` first). */
function isIncluded(selection: SelectionNode, variables: Record<string, unknown>): boolean {
  const condition = (name: 'skip' | 'include'): boolean | undefined => {
    const value = selection.directives?.find((directive) => directive.name.value === name)?.arguments?.find((argument) => argument.name.value === 'if')?.value;
    return value ? booleanOf(value, variables) : undefined;
  };
  return condition('skip') !== true && condition('include') !== false;
}

function booleanOf(value: ValueNode, variables: Record<string, unknown>): boolean | undefined {
  if (value.kind === Kind.BOOLEAN) return value.value;
  if (value.kind === Kind.VARIABLE) {
    const given = variables[value.name.value];
    return typeof given === 'boolean' ? given : undefined;
  }
  return undefined;
}
