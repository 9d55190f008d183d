import { createHash } from 'node:crypto';
import { ApolloGateway } from '@apollo/gateway';
import type {
  GatewayExecutor,
  GatewayGraphQLRequestContext,
  GatewayInterface,
  GatewayLoadResult,
  GatewaySchemaLoadOrUpdateCallback,
  GatewayUnsubscriber,
} from '@apollo/server-gateway-interface';
import { BREAK, DocumentNode, getOperationAST, GraphQLError, GraphQLFormattedError, OperationDefinitionNode, OperationTypeNode, print, visit } from 'graphql';
import { Identity } from '@herck/common';
import { withValueCompletionErrors } from '../remote/value-completion-errors';
import { applyDenials } from './apply-denials';
import { AuthorizationDecisions } from './authorization-decisions';
import { AuthorizedOperation, authorizeOperation, denialErrors } from './authorize-operation';
import { RolePolicy } from './role-policy';
import { variableErrors, withCheckedScalars } from './variable-errors';

interface Decision {
  authorized: AuthorizedOperation;
  /** The reduced document's hash, under which its query plan is cached. */
  queryHash: string | null;
}

export interface GatewayContext {
  identity: Identity;
  /** The client's network address (behind trusted proxies, the one they name). */
  client: string;
  /** The access token was refused (the identity is anonymous): the 401 for an operation that needs a sign-in. */
  tokenRejection?: GraphQLError;
  /** Aborts when the client went away before its answer was sent (over HTTP), or completed it or closed its socket (over WebSocket): its reads from subgraphs stop. */
  signal?: AbortSignal;
}

/**
 * Wraps Apollo Gateway so every operation is authorized before it is planned:
 * denied fields are removed from the document (so no subgraph is asked for
 * them) and come back as null with a FORBIDDEN or UNAUTHENTICATED error.
 */
export class AuthorizingGateway implements GatewayInterface {
  /**
   * What a document allows a role set is the same every time: steady traffic
   * walks each document once per role set (and, for documents with @skip or
   * @include, per set of variables), not once per request.
   */
  private readonly decisions = new AuthorizationDecisions<Decision>();

  constructor(
    private readonly inner: ApolloGateway,
    private readonly policy: RolePolicy,
    /** Production: errors name no field or value the schema has ("Did you mean …?"). */
    private readonly options: { hideSuggestions: boolean } = { hideSuggestions: false },
  ) {}

  async load(options: Parameters<GatewayInterface['load']>[0]): Promise<GatewayLoadResult> {
    const { executor } = await this.inner.load(options);
    return { executor: executor && this.authorizing(executor) };
  }

  onSchemaLoadOrUpdate(callback: GatewaySchemaLoadOrUpdateCallback): GatewayUnsubscriber {
    // The schema Apollo Server validates with and the gateway checks variables with (one object).
    return this.inner.onSchemaLoadOrUpdate((update) => callback({ ...update, apiSchema: withCheckedScalars(update.apiSchema) }));
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }

  private authorizing(execute: GatewayExecutor): GatewayExecutor {
    return async (requestContext: GatewayGraphQLRequestContext) => {
      const { document, request, schema } = requestContext;
      const operation = getOperationAST(document, request.operationName);
      const refused = refusedOperation(operation, request.operationName);
      if (refused) return { errors: [refused] };
      // A subscription found by its persisted hash alone (any other is refused before Apollo Server looks):
      // a request error, as one sent with its query is, not @apollo/gateway's failure (a 500).
      if (operation!.operation === OperationTypeNode.SUBSCRIPTION) return { errors: [new GraphQLError(PERSISTED_SUBSCRIPTION, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } })] };
      const invalid = variableErrors(schema, document, operation!, request.variables ?? {}, this.options);
      if (invalid.length) return { errors: invalid };
      const { authorized, queryHash } = this.decide(requestContext);
      // A refused token ran as anonymous: an operation needing a sign-in fails whole with its 401.
      const { tokenRejection } = requestContext.context as unknown as GatewayContext;
      if (tokenRejection && authorized.denials.some((denial) => denial.code === 'UNAUTHENTICATED')) return { errors: [tokenRejection] };
      if (authorized.denials.length === 0) return withValueCompletionErrors(await execute(requestContext));
      if (authorized.nothingLeft) {
        // Every field asked for is denied: still field errors, as when some are. Each comes back null
        // (null spreading up from a non-null one as GraphQL does) with its error at its path, with
        // status 200; an answer without data would be a request error, which Apollo Server sends as 400.
        // A result without a prototype, as execution builds one: an alias `__proto__` stays a key of it.
        return { data: applyDenials(Object.create(null), authorized.denials, authorized.keyOrder).data, errors: denialErrors(authorized.denials) };
      }
      const result = withValueCompletionErrors(await execute({ ...requestContext, document: authorized.document, queryHash: queryHash! }));
      const { data, errors: denied } = applyDenials(result.data as Parameters<typeof applyDenials>[0], authorized.denials, authorized.keyOrder);
      // A denied field the answer holds no instance of (inside an empty list) has no error to give:
      // an empty `errors` is not allowed, so there is then none.
      const { errors: executionErrors = [], ...rest } = result;
      const errors = [...executionErrors, ...denied.map(toGraphQLError)];
      return errors.length ? { ...rest, data, errors } : { ...rest, data };
    };
  }

  private decide(requestContext: GatewayGraphQLRequestContext): Decision {
    const { identity } = requestContext.context as unknown as GatewayContext;
    const { operationName, variables = {} } = requestContext.request;
    const conditional = hasConditionalSelections(requestContext.document);
    const key = [
      requestContext.queryHash,
      operationName ?? '',
      identity.accountId ? 'signed-in' : 'anonymous',
      [...identity.roles].sort().join(','),
      conditional ? JSON.stringify(variables) : '',
    ].join('\u0000');
    const known = this.decisions.get(key);
    if (known) return known;
    const authorized = authorizeOperation(requestContext.schema, requestContext.document, operationName, variables, identity, this.policy);
    // Plans are cached by query hash: the reduced document needs a hash of its own.
    const queryHash = authorized.denials.length ? createHash('sha256').update(print(authorized.document)).digest('hex') : null;
    const decision = { authorized, queryHash };
    this.decisions.set(key, decision, requestContext.source?.length ?? 0);
    return decision;
  }
}

/** Why a subscription sent as a persisted query's hash does not run. */
const PERSISTED_SUBSCRIPTION =
  'A subscription runs over WebSocket (graphql-ws, subprotocol graphql-transport-ws) on this same URL, sent with its query: a persisted query\'s hash alone runs queries and mutations';

/**
 * A request error for a document with no operation to run: an operationName it does not have
 * (or none, with several operations). Answered without data, before any role check or plan: a
 * request error (see `documentFailureStatusPlugin` for its status).
 */
function refusedOperation(operation: OperationDefinitionNode | null | undefined, operationName: string | undefined): GraphQLError | null {
  if (!operation) {
    // An empty name is a name no operation has (as graphql-js reads it), not a missing one: the document may hold a single operation.
    const message = operationName !== undefined && operationName !== null ? `Unknown operation named "${operationName}".` : 'Must provide operation name if query contains multiple operations.';
    return new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } });
  }
  return null;
}

/** Per parsed document (Apollo Server keeps one per query hash): whether any selection is under @skip or @include. */
const conditionalDocuments = new WeakMap<DocumentNode, boolean>();

/**
 * Whether the document's selections depend on its variables, which only @skip and @include
 * make them do: decisions for such a document are kept per set of variables. Read from the
 * parsed document, never the text, where `@ skip`, `@#…\nskip` and `@,include` are the same
 * directive.
 */
function hasConditionalSelections(document: DocumentNode): boolean {
  let conditional = conditionalDocuments.get(document);
  if (conditional === undefined) {
    conditional = false;
    visit(document, {
      Directive(node) {
        if (node.name.value !== 'skip' && node.name.value !== 'include') return undefined;
        conditional = true;
        return BREAK;
      },
    });
    conditionalDocuments.set(document, conditional);
  }
  return conditional;
}

function toGraphQLError(error: GraphQLFormattedError): GraphQLError {
  return new GraphQLError(error.message, { path: error.path as (string | number)[], extensions: error.extensions });
}
