import { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ArgumentNode, ASTNode, BREAK, DocumentNode, GraphQLError, Kind, visit } from 'graphql';
import { argumentField } from '../auth/variable-errors';

/** The nodes a value written in the document is made of (a variable is not one: its value comes apart). */
const VALUE_KINDS = new Set<string>([Kind.INT, Kind.FLOAT, Kind.STRING, Kind.BOOLEAN, Kind.NULL, Kind.ENUM, Kind.LIST, Kind.OBJECT, Kind.OBJECT_FIELD]);

/** graphql-js's validation words for an input object written without a required field (`Type.field`). */
const MISSING_FIELD = /^Field "(?:[^".]+\.)?([^".]+)" of required type "[^"]+" was not provided/;

/**
 * The field a validation error is about when it is about a value written in
 * the document — a literal of the wrong type, an enum value its type lacks, a
 * `Decimal` or `DateTime` the scalar refuses, an input object without a
 * required field or with one its type lacks, text no store can hold — or null
 * for any other validation error. Such a value is bad input as much as the
 * same value in a variable is (BAD_USER_INPUT with `field`), not a malformed
 * document: graphql-js reports it at the value's own node, which is how it is
 * told apart. The field is named as for variables: the argument, or the input
 * field's path below it (`amount`, `indicators[0].period`). A variable's
 * default is a declaration: its mistakes stay validation failures.
 */
export function literalValueField(document: DocumentNode, error: GraphQLError): string | null {
  const node = error.nodes?.length === 1 ? error.nodes[0] : undefined;
  if (!node || !VALUE_KINDS.has(node.kind)) return null;
  let position: { argument: string; keys: (string | number)[] } | null = null;
  visit(document, {
    enter(candidate, _key, parent, path, ancestors) {
      if (candidate !== node) return undefined;
      // From the root down to the value: nodes and the arrays holding them, each reached by path's key.
      const chain = [...ancestors, ...(parent ? [parent] : []), candidate] as (ASTNode | readonly ASTNode[])[];
      position = positionOf(chain, path);
      return BREAK;
    },
  });
  if (position === null) return null;
  const { argument, keys } = position;
  const missing = MISSING_FIELD.exec(error.message)?.[1];
  return argumentField(argument, missing ? [...keys, missing] : keys);
}

/**
 * The argument a value is written in and the input fields and list indexes from there down to
 * it; null for a value that is in no argument (a variable's default: a declaration, whose
 * mistakes stay the document's).
 */
function positionOf(chain: (ASTNode | readonly ASTNode[])[], path: readonly (string | number)[]): { argument: string; keys: (string | number)[] } | null {
  const isNode = (item: ASTNode | readonly ASTNode[] | undefined): item is ASTNode => item !== undefined && !Array.isArray(item);
  const at = chain.findLastIndex((item) => isNode(item) && item.kind === Kind.ARGUMENT);
  const argument = chain[at];
  if (!isNode(argument)) return null;
  const keys: (string | number)[] = [];
  for (let index = at + 1; index < chain.length; index += 1) {
    const item = chain[index];
    if (isNode(item) && item.kind === Kind.OBJECT_FIELD) keys.push(item.name.value);
    // A list's items: the key from its `values` array to the item is the item's index.
    const holder = chain[index - 1];
    if (Array.isArray(item) && isNode(holder) && holder.kind === Kind.LIST && typeof path[index] === 'number') keys.push(path[index] as number);
  }
  return { argument: (argument as ArgumentNode).name.value, keys };
}

/**
 * Answers a value written in the document that fails validation as bad input
 * (see `literalValueField`): BAD_USER_INPUT with its `field`, with the status
 * any document that fails validation gets. Apollo Server codes every
 * validation error GRAPHQL_VALIDATION_FAILED; its errors are renamed here,
 * before they are formatted.
 */
export function literalValueErrorsPlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ document, errors }) {
          if (!document) return;
          for (const error of errors) {
            if (error.extensions?.code !== 'GRAPHQL_VALIDATION_FAILED') continue;
            const field = literalValueField(document, error);
            if (field !== null) Object.assign(error.extensions, { code: 'BAD_USER_INPUT', field });
          }
        },
      };
    },
  };
}
