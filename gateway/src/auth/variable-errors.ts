import {
  ArgumentNode,
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
import { DateTimeScalar, DecimalScalar, echoedInput } from '@herck/common';
import { unstorableTextIn } from '../http/storable-text.rule';

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
    if (type instanceof GraphQLScalarType) Object.assign(type, { parseValue: scalar.parseValue, parseLiteral: literalParser(scalar) });
  }
  return schema;
}

/**
 * The scalar's literal parser, refusing with a plain error: graphql-js reports a GraphQLError
 * thrown there as it is, without the value's node, and a plain one as "Expected value of type …"
 * at the value, which is how a bad value written in the document is told from a malformed
 * document (see literal-value-errors.ts).
 */
function literalParser(scalar: GraphQLScalarType): GraphQLScalarType['parseLiteral'] {
  return (node, variables) => {
    try {
      return scalar.parseLiteral(node, variables);
    } catch (error) {
      throw new Error((error as Error).message);
    }
  };
}

/** At most this many errors per request, as graphql-js's own coercion: a list of bad items must not make an answer far larger than its request. */
const MAX_ERRORS = 50;

/**
 * Levels of lists and objects a variable's value may nest. No input type of the schema comes near
 * (a strategy's indicators are three); past a few thousand levels the checks below, which walk
 * values recursively as graphql-js does, would run out of stack, and the client saw a 500.
 */
export const MAX_VARIABLE_DEPTH = 64;

/** graphql-js's words for an input object without a required field, or with one its type does not define. */
const OBJECT_FIELD_ERROR = /^Field "([^"]+)" (?:of required type "[^"]+" was not provided|is not defined by type)/;

/** Thrown to stop coercing once MAX_ERRORS are found. */
class EnoughErrors extends Error {}

/**
 * What is wrong with the operation's variables, each a BAD_USER_INPUT naming
 * the field it is for (`extensions.field`, as the subgraphs name it: the
 * argument, or the input field's path below it, `channels.webhookUrl`,
 * `indicators[0].period`): a required one missing, a value of the wrong type,
 * null where a variable sits in a non-null position with a default (GraphQL
 * allows `$first: Int` there, and fails the field only when it runs), or text
 * no store can hold (a NUL character, an unpaired surrogate). At most
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
      const position = positions.get(name) ?? { argument: name, fieldPath: [], nonNull: false };
      const field = fieldName(position, []);
      const value = Object.hasOwn(variables, name) ? variables[name] : undefined;
      if (value === undefined) {
        if (isNonNullType(type) && !definition.defaultValue) bad(`Variable "$${name}" of required type "${String(type)}" was not provided.`, field);
        continue;
      }
      if (value === null) {
        if (isNonNullType(type)) bad(`Variable "$${name}" of non-null type "${String(type)}" must not be null.`, field);
        else if (position.nonNull) bad(`Variable "$${name}" must not be null: "${field}" takes a value or none (for its default), not null.`, field);
        continue;
      }
      if (nestsDeeperThan(value, MAX_VARIABLE_DEPTH)) {
        bad(`Variable "$${name}" nests lists or objects more than ${MAX_VARIABLE_DEPTH} levels deep.`, field);
        continue;
      }
      const where = (path: readonly (string | number)[]) => (path.length ? ` at "${name}${path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${key}`)).join('')}"` : '');
      const before = errors.length;
      coerceInputValue(value, type as GraphQLInputType, (path, invalid, error) => {
        // A field missing from an input object, or one it does not have, is named itself, not the object that lacks or has it.
        const objectField = OBJECT_FIELD_ERROR.exec(error.message)?.[1];
        bad(`Variable "$${name}" got invalid value ${typeof invalid === 'string' ? JSON.stringify(echoedInput(invalid)) : echoedInput(JSON.stringify(invalid) ?? String(invalid))}${where(path)}; ${echoedInput(error.message, MAX_REASON)}`, fieldName(position, objectField ? [...path, objectField] : path));
      });
      const unstorable = errors.length === before ? unstorableTextIn(value) : null;
      if (unstorable) bad(`Variable "$${name}"${where(unstorable.path)} ${unstorable.reason}`, fieldName(position, unstorable.path));
    }
  } catch (error) {
    if (!(error instanceof EnoughErrors)) throw error;
  }
  return errors;
}

/** The most characters of graphql-js's reason a message keeps: its reasons repeat the value refused, however long. */
const MAX_REASON = 200;

/** Whether `value` nests lists and objects more than `limit` levels deep, found without recursion. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: [item: unknown, depth: number][] = [[value, 0]];
  while (pending.length) {
    const [item, depth] = pending.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) pending.push([child, depth + 1]);
  }
  return false;
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

/** Where a variable is used: the argument it is in, the input fields from there down to it, and whether that position is non-null. */
interface VariablePosition {
  argument: string;
  fieldPath: string[];
  nonNull: boolean;
}
type VariablePositions = Map<string, VariablePosition>;

/** The field a value at `path` inside a variable is for (see `argumentField`). */
function fieldName(position: VariablePosition, path: readonly (string | number)[]): string {
  return argumentField(position.argument, [...position.fieldPath, ...path]);
}

/**
 * The field a value at `keys` (input field names and list indexes) below `argument` is for, as the
 * subgraphs name it: the path below the argument (`channels.webhookUrl`, `indicators[0].period`;
 * an item of a list of scalars is the list), or the argument itself.
 */
export function argumentField(argument: string, path: readonly (string | number)[]): string {
  const keys = [...path];
  while (typeof keys.at(-1) === 'number') keys.pop();
  if (!keys.length) return argument;
  // An item of a list argument is named below the argument (`indicators[0].period`), not as `[0].period`.
  if (typeof keys[0] === 'number') keys.unshift(argument);
  return keys.map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? key : `.${key}`)).join('');
}

/** Per operation node: Apollo Server keeps parsed documents, so steady HTTP traffic walks each operation once. */
const positionsByOperation = new WeakMap<OperationDefinitionNode, VariablePositions>();

/** Each variable's positions in the operation and in the fragments it uses, however deep. */
function variablePositions(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): VariablePositions {
  const known = positionsByOperation.get(operation);
  if (known) return known;
  const positions: VariablePositions = new Map();
  const typeInfo = new TypeInfo(schema);
  const visitor = visitWithTypeInfo(typeInfo, {
    Variable(node, _key, parent, _path, ancestors) {
      // A variable's own definition (`$first: Int`) is no position.
      if (!parent || Array.isArray(parent) || (parent as ASTNode).kind === Kind.VARIABLE_DEFINITION) return;
      const expected = typeInfo.getInputType();
      // From the argument down to the variable (`input: { channels: $c }`): the argument, then the input fields.
      const nodes = [...ancestors, parent].filter((ancestor): ancestor is ASTNode => !Array.isArray(ancestor));
      const argumentAt = nodes.findLastIndex((ancestor) => ancestor.kind === Kind.ARGUMENT);
      const argument = argumentAt >= 0 ? (nodes[argumentAt] as ArgumentNode).name.value : node.name.value;
      const fieldPath = nodes.slice(argumentAt + 1).flatMap((ancestor) => (ancestor.kind === Kind.OBJECT_FIELD ? [ancestor.name.value] : []));
      const name = node.name.value;
      const seen = positions.get(name);
      positions.set(name, { argument: seen?.argument ?? argument, fieldPath: seen?.fieldPath ?? fieldPath, nonNull: seen?.nonNull === true || (expected !== null && isNonNullType(expected)) });
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
