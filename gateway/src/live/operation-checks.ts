import {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  GraphQLSchema,
  Kind,
  OperationDefinitionNode,
  OperationTypeNode,
  parse,
  SingleFieldSubscriptionsRule,
  specifiedRules,
  validate,
  ValidationRule,
  valueFromASTUntyped,
} from 'graphql';
// Not re-exported by graphql's index in v16; the same function its executor and validation use.
import { collectFields } from 'graphql/execution/collectFields';
import { Identity, TOO_DEEP_TO_PARSE } from '@herck/common';
import { AuthorizedOperation, authorizeOperation, denialErrors } from '../auth/authorize-operation';
import { RolePolicy } from '../auth/role-policy';
import { literalValueField } from '../http/literal-value-errors';
import { subscriptionRootDirectiveProblem } from '../http/subscription-root-directives';
import { variableErrors, withoutSuggestion } from '../auth/variable-errors';
import { variableCostErrors } from '../http/variable-cost';

/** A graphql-ws `subscribe` message's payload. */
export interface OperationPayload {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  /** A query or mutation's `persistedQuery` (automatic persisted queries), as over HTTP. */
  extensions?: Record<string, unknown> | null;
}

export interface ParsedOperation {
  kind: OperationTypeNode;
  document: DocumentNode;
  operationName?: string;
  variables: Record<string, unknown>;
}

const EMPTY_DOCUMENT: DocumentNode = { kind: Kind.DOCUMENT, definitions: [] };

/**
 * Parses an operation sent over the socket, with the token limit HTTP applies
 * (graphql-armor's max-tokens is a parser limit), to learn its kind.
 */
export function parseOperation(payload: OperationPayload, maxTokens: number): ParsedOperation | GraphQLError[] {
  // No document at all: Apollo Server answers it (BAD_REQUEST), as over HTTP.
  if (typeof payload.query !== 'string' || payload.query.trim() === '') return { kind: OperationTypeNode.QUERY, document: EMPTY_DOCUMENT, variables: payload.variables ?? {} };
  let document: DocumentNode;
  try {
    document = parse(payload.query, { maxTokens });
  } catch (error) {
    // The parser's own crash (its stack run out by deep nesting), in the words HTTP answers it with.
    if (!(error instanceof GraphQLError)) return [new GraphQLError(TOO_DEEP_TO_PARSE, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
    // With its source and positions, so the error names its `locations` as over HTTP.
    return [new GraphQLError(error.message, { source: error.source, positions: error.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
  }
  const operationName = payload.operationName ?? undefined;
  // No operation to run (an unknown name, several without one, none at all) is no subscription:
  // Apollo Server answers it as it answers it over HTTP, in the same words.
  const kind = getOperationAST(document, operationName)?.operation ?? OperationTypeNode.QUERY;
  return { kind, document, ...(operationName && { operationName }), variables: payload.variables ?? {} };
}

/** A subscription that passed the checks: its operation without denied fields, and its variables as declared. */
export interface CheckedSubscription extends AuthorizedOperation {
  /**
   * The variables the operation declares, with their defaults, in declaration order: what
   * identical subscriptions share a key by (a client's key order, an explicit default or an
   * undeclared extra does not make a subscription different).
   */
  declaredVariables: Record<string, unknown>;
}

/** graphql-js's rule, replaced by `rootField`: it evaluates `@include(if: $x)` without variables and throws. */
const RULES_BUT_SINGLE_FIELD = specifiedRules.filter((rule) => rule !== SingleFieldSubscriptionsRule);

/**
 * The single-root-field rule for the document's other subscriptions, as HTTP applies it to the
 * whole document: only the one asked for has its root decided with the variables (below).
 */
function otherSubscriptionsRootErrors(schema: GraphQLSchema, operation: ParsedOperation): GraphQLError[] {
  const selected = getOperationAST(operation.document, operation.operationName);
  const others = operation.document.definitions.filter((definition) => definition !== selected);
  if (!others.some((definition) => definition.kind === Kind.OPERATION_DEFINITION && definition.operation === OperationTypeNode.SUBSCRIPTION)) return [];
  const rest: DocumentNode = { kind: Kind.DOCUMENT, definitions: others };
  // The rule throws on @skip/@include at a root (it decides them without variables): invalid there too.
  const problem = subscriptionRootDirectiveProblem(rest);
  if (problem) return [new GraphQLError(problem)];
  return [...validate(schema, rest, [SingleFieldSubscriptionsRule])];
}

/** The rules HTTP validates documents with, and the limit rules it costs a request's variables with. */
export interface SubscriptionRules {
  validation: readonly ValidationRule[];
  costLimit: readonly ValidationRule[];
}

/**
 * The checks HTTP applies before planning, for a subscription: validation
 * against the API schema with the same limit rules (depth, aliases,
 * directives, cost), the variables against their declared types, then the
 * role check. Returns the operation without its denied fields, or the errors
 * for an `error` message. With `hideSuggestions` (production) validation
 * errors name no field the schema has, as over HTTP.
 */
export function checkSubscription(
  operation: ParsedOperation,
  schema: GraphQLSchema,
  rules: SubscriptionRules,
  identity: Identity,
  policy: RolePolicy,
  { hideSuggestions }: { hideSuggestions: boolean },
): CheckedSubscription | GraphQLError[] {
  const invalid = [...validate(schema, operation.document, [...RULES_BUT_SINGLE_FIELD, ...rules.validation]), ...otherSubscriptionsRootErrors(schema, operation)];
  if (invalid.length) {
    return invalid.map((error) => {
      const message = hideSuggestions ? withoutSuggestion(error.message) : error.message;
      // A value written in the document that fails is bad input, as over HTTP.
      const field = literalValueField(operation.document, error);
      const code = field === null ? { code: 'GRAPHQL_VALIDATION_FAILED' } : { code: 'BAD_USER_INPUT', field };
      return new GraphQLError(message, { nodes: error.nodes, extensions: { ...error.extensions, ...code } });
    });
  }
  const definition = getOperationAST(operation.document, operation.operationName)!;
  // As HTTP answers them: each variable error with BAD_USER_INPUT and its field.
  const invalidVariables = variableErrors(schema, operation.document, definition, operation.variables, { hideSuggestions });
  if (invalidVariables.length) return invalidVariables;
  const coerced = getVariableValues(schema, definition.variableDefinitions ?? [], operation.variables);
  if (coerced.errors) return coerced.errors.map((error) => new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: 'BAD_USER_INPUT' } }));
  // A page given in a variable, costed now its value is known (as over HTTP: see variableCostCheck).
  const tooCostly = variableCostErrors(schema, operation.document, definition, operation.variables, rules.costLimit);
  if (tooCostly.length) return tooCostly.map((error) => new GraphQLError(error.message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
  const root = rootField(schema, operation.document, definition, coerced.coerced);
  if ('errors' in root) return root.errors;
  // The root field's @include/@skip are decided now; the query planner takes no condition at a subscription's root.
  const document = withRoot(operation.document, definition, root.fieldNodes);
  const authorized = authorizeOperation(schema, document, operation.operationName, operation.variables, identity, policy);
  if (authorized.nothingLeft) {
    return denialErrors(authorized.denials);
  }
  const declaredVariables = Object.fromEntries(
    (definition.variableDefinitions ?? []).map(({ variable }) => variable.name.value).filter((name) => Object.hasOwn(coerced.coerced, name)).map((name) => [name, Object.hasOwn(operation.variables, name) ? operation.variables[name] : valueOfDefault(definition, name)]),
  );
  return { ...authorized, declaredVariables };
}

/** A variable's default from the document, as JSON (what a client omitting it means). */
function valueOfDefault(definition: OperationDefinitionNode, name: string): unknown {
  const declared = definition.variableDefinitions?.find(({ variable }) => variable.name.value === name);
  return declared?.defaultValue ? valueFromASTUntyped(declared.defaultValue) : null;
}

/**
 * The one root field a subscription selects, counted with the operation's
 * variables so `@include(if: $x)` and `@skip` are decided; or the errors of
 * graphql-js's SingleFieldSubscriptionsRule (same messages) when it selects
 * none, several, or an introspection field.
 */
function rootField(
  schema: GraphQLSchema,
  document: DocumentNode,
  definition: OperationDefinitionNode,
  variables: Record<string, unknown>,
): { fieldNodes: readonly FieldNode[] } | { errors: GraphQLError[] } {
  const subscriptionType = schema.getSubscriptionType();
  const fragments = Object.fromEntries(
    document.definitions.filter((node): node is FragmentDefinitionNode => node.kind === Kind.FRAGMENT_DEFINITION).map((fragment) => [fragment.name.value, fragment]),
  );
  const fields = subscriptionType ? collectFields(schema, fragments, variables, subscriptionType, definition.selectionSet) : new Map<string, readonly FieldNode[]>();
  const name = definition.name ? `Subscription "${definition.name.value}"` : 'Anonymous Subscription';
  const failed = (message: string) => ({ errors: [new GraphQLError(message, { nodes: definition, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })] });
  if (fields.size !== 1) return failed(`${name} must select only one top level field.`);
  const [fieldNodes] = fields.values();
  if (fieldNodes![0]!.name.value.startsWith('__')) return failed(`${name} must not select an introspection top level field.`);
  return { fieldNodes: fieldNodes! };
}

/** The document with the operation selecting just `fieldNodes` (one response key), without their @include/@skip. */
function withRoot(document: DocumentNode, definition: OperationDefinitionNode, fieldNodes: readonly FieldNode[]): DocumentNode {
  const decided = fieldNodes.map((field) => ({ ...field, directives: field.directives?.filter(({ name }) => name.value !== 'include' && name.value !== 'skip') }));
  const operation: OperationDefinitionNode = { ...definition, selectionSet: { ...definition.selectionSet, selections: decided } };
  return { ...document, definitions: document.definitions.map((node) => (node === definition ? operation : node)) };
}
