import { DocumentNode, getOperationAST, GraphQLError, GraphQLSchema, OperationTypeNode, parse, specifiedRules, validate, ValidationRule } from 'graphql';
import { Identity } from '@herck/common';
import { AuthorizedOperation, authorizeOperation } from '../auth/authorize-operation';
import { RolePolicy } from '../auth/role-policy';

/** A graphql-ws `subscribe` message's payload. */
export interface OperationPayload {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

export interface ParsedOperation {
  kind: OperationTypeNode;
  document: DocumentNode;
  operationName?: string;
  variables: Record<string, unknown>;
}

/**
 * Parses an operation sent over the socket, with the token limit HTTP applies
 * (graphql-armor's max-tokens is a parser limit), to learn its kind.
 */
export function parseOperation(payload: OperationPayload, maxTokens: number): ParsedOperation | GraphQLError[] {
  let document: DocumentNode;
  try {
    document = parse(payload.query, { maxTokens });
  } catch (error) {
    const message = error instanceof GraphQLError ? error.message : 'Syntax Error';
    return [new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
  }
  const operationName = payload.operationName ?? undefined;
  const operation = getOperationAST(document, operationName);
  if (!operation) return [new GraphQLError('Unable to identify the operation to run', { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })];
  return { kind: operation.operation, document, ...(operationName && { operationName }), variables: payload.variables ?? {} };
}

/**
 * The checks HTTP applies before planning, for a subscription: validation
 * against the API schema with the same limit rules (depth, aliases,
 * directives, cost), then the role check. Returns the operation without its
 * denied fields, or the errors for an `error` message. With `hideSuggestions`
 * (production) validation errors name no field the schema has, as over HTTP.
 */
export function checkSubscription(
  operation: ParsedOperation,
  schema: GraphQLSchema,
  limitRules: readonly ValidationRule[],
  identity: Identity,
  policy: RolePolicy,
  { hideSuggestions }: { hideSuggestions: boolean },
): AuthorizedOperation | GraphQLError[] {
  const invalid = validate(schema, operation.document, [...specifiedRules, ...limitRules]);
  if (invalid.length) {
    return invalid.map((error) => {
      const message = hideSuggestions ? withoutSuggestion(error.message) : error.message;
      return new GraphQLError(message, { nodes: error.nodes, extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } });
    });
  }
  const authorized = authorizeOperation(schema, operation.document, operation.operationName, operation.variables, identity, policy);
  if (authorized.nothingLeft) {
    return authorized.denials.map((denial) => new GraphQLError(denial.message, { path: denial.path.map((step) => step.key), extensions: { code: denial.code } }));
  }
  return authorized;
}

/**
 * The message without graphql-js's closing "Did you mean …?": the edit Apollo
 * Server makes to HTTP's validation errors when `hideSchemaDetailsFromClientErrors`
 * is on (its DisableSuggestions plugin, same pattern), so a typo does not
 * reveal the schema's fields to a client that may not introspect it.
 */
function withoutSuggestion(message: string): string {
  return message.replace(/ ?Did you mean(.+?)\?$/, '');
}
