import {
  ASTNode,
  coerceInputValue,
  DocumentNode,
  FragmentDefinitionNode,
  GraphQLError,
  GraphQLInputType,
  GraphQLScalarType,
  GraphQLSchema,
  isInputType,
  isNonNullType,
  Kind,
  OperationDefinitionNode,
  TypeInfo,
  typeFromAST,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { DateTimeScalar, DecimalScalar } from '@herck/common';
import { nulTextPath } from '../http/no-nul-text.rule';

/** The subgraphs' scalars whose input the gateway checks as they do. */
const CHECKED_SCALARS: GraphQLScalarType[] = [DecimalScalar, DateTimeScalar];

/**
 * Gives the API schema's `Decimal` and `DateTime` the input checks the
 * subgraphs apply. Built from the supergraph, the gateway's scalars take any
 * value: a bad decimal in a variable went on to the subgraph, which refused the
 * request, and the client was told of a failed fetch (INTERNAL_SERVER_ERROR).
 * Checked here, it is refused before planning, and a literal in the document
 * fails validation as any other value of the wrong type does.
 */
export function withCheckedScalars(schema: GraphQLSchema): GraphQLSchema {
  for (const scalar of CHECKED_SCALARS) {
    const type = schema.getType(scalar.name);
    if (type instanceof GraphQLScalarType) Object.assign(type, { parseValue: scalar.parseValue, parseLiteral: scalar.parseLiteral });
  }
  return schema;
}

/** At most this many errors per request, as graphql-js's own coercion: a list of bad items must not make an answer far larger than its request. */
const MAX_ERRORS = 50;

/** graphql-js's words for an input object without a required field, or with one its type does not define. */
const OBJECT_FIELD_ERROR = /^Field "([^"]+)" (?:of required type "[^"]+" was not provided|is not defined by type)/;

/** Thrown to stop coercing once MAX_ERRORS are found. */
class EnoughErrors extends Error {}

/**
 * What is wrong with the operation's variables, each a BAD_USER_INPUT naming
 * the field it is for (`extensions.field`: the input field, or the argument or
 * input field the variable is passed to): a required one missing, a value of
 * the wrong type, null where a variable sits in a non-null position with a
 * default (GraphQL allows `$first: Int` there, and fails the field only when it
 * runs), or text with a NUL character, which no store can hold. At most
 * MAX_ERRORS; empty when the variables are fine. `hideSuggestions` (production)
 * drops graphql-js's "Did you mean …?", which names values of the schema.
 */
export function variableErrors(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  { hideSuggestions = false }: { hideSuggestions?: boolean } = {},
): GraphQLError[] {
  if (!operation.variableDefinitions?.length) return [];
  const errors: GraphQLError[] = [];
  const positions = variablePositions(schema, document, operation);
  const bad = (message: string, field: string) => {
    errors.push(new GraphQLError(hideSuggestions ? withoutSuggestion(message) : message, { extensions: { code: 'BAD_USER_INPUT', field } }));
    if (errors.length >= MAX_ERRORS) throw new EnoughErrors();
  };
  try {
    for (const definition of operation.variableDefinitions) {
      const name = definition.variable.name.value;
      const type = typeFromAST(schema, definition.type);
      // An unknown type fails validation, which has run before.
      if (!type || !isInputType(type)) continue;
      const field = positions.get(name)?.field ?? name;
      const value = Object.hasOwn(variables, name) ? variables[name] : undefined;
      if (value === undefined) {
        if (isNonNullType(type) && !definition.defaultValue) bad(`Variable "$${name}" of required type "${String(type)}" was not provided.`, field);
        continue;
      }
      if (value === null) {
        if (isNonNullType(type)) bad(`Variable "$${name}" of non-null type "${String(type)}" must not be null.`, field);
        else if (positions.get(name)?.nonNull) bad(`Variable "$${name}" must not be null: "${field}" takes a value or none (for its default), not null.`, field);
        continue;
      }
      const where = (path: readonly (string | number)[]) => (path.length ? ` at "${name}${path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${key}`)).join('')}"` : '');
      const fieldAt = (path: readonly (string | number)[]) => [...path].reverse().find((key): key is string => typeof key === 'string') ?? field;
      const before = errors.length;
      coerceInputValue(value, type as GraphQLInputType, (path, invalid, error) =>
        // A field missing from an input object, or one it does not have, is named itself, not the object that lacks or has it.
        bad(`Variable "$${name}" got invalid value ${JSON.stringify(invalid)}${where(path)}; ${error.message}`, OBJECT_FIELD_ERROR.exec(error.message)?.[1] ?? fieldAt(path)),
      );
      const nul = errors.length === before ? nulTextPath(value) : null;
      if (nul) bad(`Variable "$${name}"${where(nul)} may not contain the NUL character (U+0000)`, fieldAt(nul));
    }
  } catch (error) {
    if (!(error instanceof EnoughErrors)) throw error;
  }
  return errors;
}

/**
 * The message without graphql-js's closing "Did you mean …?": the edit Apollo
 * Server makes to validation errors when `hideSchemaDetailsFromClientErrors`
 * is on (its DisableSuggestions plugin, same pattern), so an error does not
 * reveal the schema's fields or values to a client that may not introspect it.
 */
export function withoutSuggestion(message: string): string {
  return message.replace(/ ?Did you mean(.+?)\?$/, '');
}

/** Where a variable is used: the argument or input field it fills, and whether that position is non-null. */
type VariablePositions = Map<string, { field: string; nonNull: boolean }>;

/** Per operation node: Apollo Server keeps parsed documents, so steady HTTP traffic walks each operation once. */
const positionsByOperation = new WeakMap<OperationDefinitionNode, VariablePositions>();

/** Each variable's positions in the operation and in the fragments it uses, however deep. */
function variablePositions(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): VariablePositions {
  const known = positionsByOperation.get(operation);
  if (known) return known;
  const positions: VariablePositions = new Map();
  const typeInfo = new TypeInfo(schema);
  const visitor = visitWithTypeInfo(typeInfo, {
    Variable(node, _key, parent) {
      // A variable's own definition (`$first: Int`) is no position.
      if (!parent || Array.isArray(parent) || (parent as ASTNode).kind === Kind.VARIABLE_DEFINITION) return;
      const owner = parent as ASTNode;
      const expected = typeInfo.getInputType();
      const field = owner.kind === Kind.ARGUMENT || owner.kind === Kind.OBJECT_FIELD ? owner.name.value : undefined;
      const name = node.name.value;
      const seen = positions.get(name);
      positions.set(name, { field: seen?.field ?? field ?? name, nonNull: seen?.nonNull === true || (expected !== null && isNonNullType(expected)) });
    },
  });
  for (const definition of [operation, ...usedFragments(document, operation)]) visit(definition, visitor);
  positionsByOperation.set(operation, positions);
  return positions;
}

/** The fragments `operation` spreads, directly or through other fragments. */
function usedFragments(document: DocumentNode, operation: OperationDefinitionNode): FragmentDefinitionNode[] {
  const fragments = new Map(document.definitions.filter((node): node is FragmentDefinitionNode => node.kind === Kind.FRAGMENT_DEFINITION).map((node) => [node.name.value, node]));
  const used = new Map<string, FragmentDefinitionNode>();
  const pending: ASTNode[] = [operation];
  while (pending.length) {
    visit(pending.pop()!, {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value);
        if (!fragment || used.has(fragment.name.value)) return;
        used.set(fragment.name.value, fragment);
        pending.push(fragment);
      },
    });
  }
  return [...used.values()];
}
