import { buildOperationContext } from '@apollo/gateway';
import { operationFromDocument, Schema, Supergraph } from '@apollo/federation-internals';
import { FetchNode, QueryPlan, QueryPlanner } from '@apollo/query-planner';
import { DocumentNode, getOperationAST, GraphQLSchema, Kind } from 'graphql';
import { isCallerScoped } from '@herck/common';
import { withCheckedScalars } from '../auth/variable-errors';

export type OperationContext = ReturnType<typeof buildOperationContext>;

/** How one subscription runs: what to subscribe to upstream, and what to run for each of its events. */
export interface SubscriptionPlan {
  /** The part of the operation the owning subgraph streams (`serviceName`, `operation`, `variableUsages`). */
  primary: FetchNode;
  /**
   * Run per event: the primary fetch (answered with the event) followed by the
   * fetches of the fields other subgraphs contribute.
   */
  perEvent: QueryPlan;
  operationContext: OperationContext;
}

/**
 * Plans subscriptions on the supergraph, since @apollo/gateway refuses to
 * execute them: a subscription plans to `{ kind: 'Subscription', primary, rest }`.
 */
export class SubscriptionPlanner {
  /** The API schema as federation's planner and `executeQueryPlan` want it. */
  readonly apiSchema: Schema;
  /** The same API schema as graphql-js's: what clients validate against. */
  readonly schema: GraphQLSchema;
  readonly supergraphSchema: GraphQLSchema;
  private readonly planner: QueryPlanner;
  /** Subscription fields marked `@callerScoped`: their events depend on who asks. */
  private readonly callerScopedFields: Set<string>;

  constructor(supergraphSdl: string) {
    const supergraph = Supergraph.build(supergraphSdl);
    this.apiSchema = supergraph.apiSchema();
    this.schema = withCheckedScalars(this.apiSchema.toGraphQLJSSchema());
    this.supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.planner = new QueryPlanner(supergraph);
    const fields = Object.values(this.supergraphSchema.getSubscriptionType()?.getFields() ?? {});
    this.callerScopedFields = new Set(fields.filter((field) => isCallerScoped(field.astNode)).map((field) => field.name));
  }

  /**
   * Whether a subscription's events depend on the caller, so it must not be
   * shared between accounts. A root that is not a plain field (a fragment)
   * counts as caller-scoped: sharing by mistake would leak, not sharing only costs.
   */
  isCallerScoped(document: DocumentNode, operationName: string | undefined): boolean {
    const root = getOperationAST(document, operationName)?.selectionSet.selections[0];
    return root?.kind !== Kind.FIELD || this.callerScopedFields.has(root.name.value);
  }

  /** Plans a validated subscription document; throws when it does not plan to a subscription. */
  plan(document: DocumentNode, operationName: string | undefined): SubscriptionPlan {
    const operation = operationFromDocument(this.apiSchema, document, { operationName });
    const node = this.planner.buildQueryPlan(operation).node;
    if (node?.kind !== 'Subscription') throw new Error('The operation did not plan to a subscription');
    const perEvent: QueryPlan = { kind: 'QueryPlan', node: node.rest ? { kind: 'Sequence', nodes: [node.primary, node.rest] } : node.primary };
    return { primary: node.primary, perEvent, operationContext: buildOperationContext({ schema: this.schema, operationDocument: document, operationName }) };
  }
}
