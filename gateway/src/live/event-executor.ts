import { executeQueryPlan, GraphQLDataSource, ServiceMap } from '@apollo/gateway';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { DocumentNode, getOperationAST, GraphQLError } from 'graphql';
import { FormattedExecutionResult } from 'graphql-ws';
import { randomUUID } from 'node:crypto';
import { Logger, runWithRequestId } from '@herck/common';
import { GatewayContext } from '../auth/authorizing-gateway';
import { withValueCompletionErrors } from '../remote/value-completion-errors';
import { SubscriptionPlan, SubscriptionPlanner } from './subscription-planner';

/** One subscription as a client sent it (after authorization), for running its plan. */
export interface EventRequest {
  document: DocumentNode;
  source: string;
  operationName?: string;
  variables: Record<string, unknown>;
  context: GatewayContext;
}

/**
 * Runs a subscription's plan for one event, so the result is shaped exactly
 * like a query's and fields other subgraphs contribute are fetched per event:
 * the owning subgraph's fetch is answered with the event, the others go to
 * the subgraphs as usual.
 */
export class EventExecutor {
  constructor(
    private readonly planner: SubscriptionPlanner,
    /** The normal data sources of every subgraph. */
    private readonly services: ServiceMap,
    private readonly logger: Logger,
  ) {}

  /** One event's execution is a request of its own: its fetches, and their log lines, carry an id of their own. */
  execute(plan: SubscriptionPlan, request: EventRequest, event: FormattedExecutionResult<Record<string, unknown>, unknown>): Promise<{ data?: Record<string, unknown> | null; errors?: GraphQLError[] }> {
    return runWithRequestId(randomUUID(), () => this.executeEvent(plan, request, event));
  }

  private async executeEvent(plan: SubscriptionPlan, request: EventRequest, event: FormattedExecutionResult<Record<string, unknown>, unknown>): Promise<{ data?: Record<string, unknown> | null; errors?: GraphQLError[] }> {
    const answered: GraphQLDataSource = { process: async () => ({ data: event.data ?? null, ...(event.errors && { errors: event.errors }) }) };
    const serviceMap: ServiceMap = { ...this.services, [plan.primary.serviceName]: answered };
    const executed = await executeQueryPlan(
      plan.perEvent,
      serviceMap,
      this.requestContext(request, plan),
      plan.operationContext,
      this.planner.supergraphSchema,
      this.planner.apiSchema,
    );
    const result = withValueCompletionErrors(executed);
    return { data: result.data ?? null, ...(result.errors && { errors: [...result.errors] }) };
  }

  /**
   * What `executeQueryPlan` and the data sources read of a request: the
   * variables, the context (the caller's identity for the internal token),
   * the document, and a logger. There is no HTTP request behind an event.
   */
  private requestContext(request: EventRequest, plan: SubscriptionPlan): GatewayGraphQLRequestContext<GatewayContext> {
    const context = {
      request: { query: request.source, variables: request.variables, operationName: request.operationName },
      context: request.context,
      document: request.document,
      source: request.source,
      queryHash: '',
      operationName: request.operationName ?? null,
      operation: getOperationAST(request.document, request.operationName) ?? plan.operationContext.operation,
      schema: this.planner.schema,
      logger: { debug: () => undefined, info: (m: unknown) => this.logger.info(String(m)), warn: (m: unknown) => this.logger.warn(String(m)), error: (m: unknown) => this.logger.error(String(m)) },
      metrics: {},
      overallCachePolicy: undefined,
      cache: { get: async () => undefined, set: async () => undefined, delete: async () => true },
    };
    // Only the fields above are read for an event; the rest (schema hash, HTTP) have no meaning here.
    return context as unknown as GatewayGraphQLRequestContext<GatewayContext>;
  }
}
