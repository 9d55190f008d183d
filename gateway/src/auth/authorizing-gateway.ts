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
import { GraphQLError, GraphQLFormattedError, print } from 'graphql';
import { Identity } from '@herck/common';
import { applyDenials } from './apply-denials';
import { authorizeOperation } from './authorize-operation';
import { RolePolicy } from './role-policy';

export interface GatewayContext {
  identity: Identity;
  /** The client's network address (behind trusted proxies, the one they name). */
  client: string;
}

/**
 * Wraps Apollo Gateway so every operation is authorized before it is planned:
 * denied fields are removed from the document (so no subgraph is asked for
 * them) and come back as null with a FORBIDDEN or UNAUTHENTICATED error.
 */
export class AuthorizingGateway implements GatewayInterface {
  constructor(
    private readonly inner: ApolloGateway,
    private readonly policy: RolePolicy,
  ) {}

  async load(options: Parameters<GatewayInterface['load']>[0]): Promise<GatewayLoadResult> {
    const { executor } = await this.inner.load(options);
    return { executor: executor && this.authorizing(executor) };
  }

  onSchemaLoadOrUpdate(callback: GatewaySchemaLoadOrUpdateCallback): GatewayUnsubscriber {
    return this.inner.onSchemaLoadOrUpdate(callback);
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }

  private authorizing(execute: GatewayExecutor): GatewayExecutor {
    return async (requestContext: GatewayGraphQLRequestContext) => {
      const { identity } = requestContext.context as unknown as GatewayContext;
      const authorized = authorizeOperation(
        requestContext.schema,
        requestContext.document,
        requestContext.request.operationName,
        requestContext.request.variables ?? {},
        identity,
        this.policy,
      );
      if (authorized.denials.length === 0) return execute(requestContext);
      if (authorized.nothingLeft) {
        const errors = authorized.denials.map(
          (denial) => new GraphQLError(denial.message, { path: denial.path.map((step) => step.key), extensions: { code: denial.code } }),
        );
        return { errors };
      }
      // Plans are cached by query hash: the reduced document needs a hash of its own.
      const queryHash = createHash('sha256').update(print(authorized.document)).digest('hex');
      const result = await execute({ ...requestContext, document: authorized.document, queryHash });
      const { data, errors } = applyDenials(result.data as Parameters<typeof applyDenials>[0], authorized.denials);
      return { ...result, data, errors: [...(result.errors ?? []), ...errors.map(toGraphQLError)] };
    };
  }
}

function toGraphQLError(error: GraphQLFormattedError): GraphQLError {
  return new GraphQLError(error.message, { path: error.path as (string | number)[], extensions: error.extensions });
}
