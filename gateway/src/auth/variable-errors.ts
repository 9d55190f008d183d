import {
  coerceInputValue,
  GraphQLError,
  GraphQLInputType,
  GraphQLScalarType,
  GraphQLSchema,
  isInputType,
  isNonNullType,
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

/**
 * What is wrong with the operation's variables, each a BAD_USER_INPUT naming
 * the field it is for (`extensions.field`: the input field, or the argument the
 * variable is passed to): a required one missing, a value of the wrong type,
 * null for an argument that may not be null even though it has a default
 * (GraphQL allows `$first: Int` there, and fails the field only when it runs),
 * or text with a NUL character, which no store can hold.
 * Empty when the variables are fine.
 */
export function variableErrors(schema: GraphQLSchema, operation: OperationDefinitionNode, variables: Record<string, unknown>): GraphQLError[] {
  if (!operation.variableDefinitions?.length) return [];
  const errors: GraphQLError[] = [];
  const positions = argumentPositions(schema, operation);
  const bad = (message: string, field: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', field } });
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type);
    // An unknown type fails validation, which has run before.
    if (!type || !isInputType(type)) continue;
    const field = positions.get(name)?.argument ?? name;
    const value = Object.hasOwn(variables, name) ? variables[name] : undefined;
    if (value === undefined) {
      if (isNonNullType(type) && !definition.defaultValue) errors.push(bad(`Variable "$${name}" of required type "${String(type)}" was not provided.`, field));
      continue;
    }
    if (value === null) {
      if (isNonNullType(type)) errors.push(bad(`Variable "$${name}" of non-null type "${String(type)}" must not be null.`, field));
      else if (positions.get(name)?.nonNull) errors.push(bad(`Variable "$${name}" must not be null: argument "${field}" takes a value or none (for its default), not null.`, field));
      continue;
    }
    const where = (path: readonly (string | number)[]) => (path.length ? ` at "${name}${path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${key}`)).join('')}"` : '');
    const fieldAt = (path: readonly (string | number)[]) => [...path].reverse().find((key): key is string => typeof key === 'string') ?? field;
    const before = errors.length;
    coerceInputValue(value, type as GraphQLInputType, (path, invalid, error) => {
      errors.push(bad(`Variable "$${name}" got invalid value ${JSON.stringify(invalid)}${where(path)}; ${error.message}`, fieldAt(path)));
    });
    const nul = errors.length === before ? nulTextPath(value) : null;
    if (nul) errors.push(bad(`Variable "$${name}"${where(nul)} may not contain the NUL character (U+0000)`, fieldAt(nul)));
  }
  return errors;
}

type ArgumentPositions = Map<string, { argument: string; nonNull: boolean }>;

/** Per operation node: Apollo Server keeps parsed documents, so steady traffic walks each operation once. */
const positionsByOperation = new WeakMap<OperationDefinitionNode, ArgumentPositions>();

/** For each variable passed straight to an argument: the argument's name, and whether it is non-null. */
function argumentPositions(schema: GraphQLSchema, operation: OperationDefinitionNode): ArgumentPositions {
  const known = positionsByOperation.get(operation);
  if (known) return known;
  const positions: ArgumentPositions = new Map();
  positionsByOperation.set(operation, positions);
  const typeInfo = new TypeInfo(schema);
  visit(
    operation,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        if (node.value.kind !== 'Variable') return;
        const argument = typeInfo.getArgument();
        if (argument) positions.set(node.value.name.value, { argument: argument.name, nonNull: isNonNullType(argument.type) || positions.get(node.value.name.value)?.nonNull === true });
      },
    }),
  );
  return positions;
}
