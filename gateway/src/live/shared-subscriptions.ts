import { createHash } from 'node:crypto';
import { DocumentNode, GraphQLError, GraphQLFormattedError, print } from 'graphql';
import { ExecutionResult } from 'graphql-ws';
import { Identity, Logger } from '@herck/common';
import { applyDenials } from '../auth/apply-denials';
import { Denial } from '../auth/authorize-operation';
import { KeyOrder } from '../auth/key-order';
import { ConnectionOutbox } from './connection-outbox';
import { EventExecutor } from './event-executor';
import { EventStream, SharedEvent } from './event-stream';
import { EventDeliveryDuration } from './live.metrics';
import { PreformattedError } from './preformatted-error';
import { SubscriptionPlan, SubscriptionPlanner } from './subscription-planner';
import { Conflate, conflationFor } from './tick-conflation';
import { UpstreamBacklog, UpstreamEvent } from './upstream-backlog';
import { UpstreamSubscriptions } from './upstream-subscriptions';

/** A subscription that passed every check: the document without denied fields, and the denials. */
export interface LiveRequest {
  document: DocumentNode;
  operationName?: string;
  variables: Record<string, unknown>;
  identity: Identity;
  client: string;
  denials: Denial[];
  /** The response keys in the asked order, kept when denied fields are put back. */
  keyOrder: KeyOrder;
  /** The connection's bounded queue of unsent events, which the client's stream counts against. */
  outbox: ConnectionOutbox;
}

/** A request planned and keyed, ready to be opened (planning failures surface before that). */
export interface PreparedSubscription {
  key: string;
  request: LiveRequest;
  plan: SubscriptionPlan;
  source: string;
  /** How events merge when the client falls behind (ticks), or undefined to drop them instead. */
  conflate: Conflate | undefined;
  /** The events depend on the caller (their own alerts): shared only within one account, opened upstream as it. */
  perCaller: boolean;
  /** Whom the subscription runs as upstream and in each event's query plan. */
  runAs: Identity;
}

/**
 * A subscription shared by a role set runs as that role set, not as the account that happened to
 * open it, which may sign out or be deleted while others still share it. Subgraphs take only
 * signed-in callers, so it carries an account id that no account has (accounts get random ones).
 */
const SHARED_SUBSCRIBER_ACCOUNT_ID = '00000000-0000-0000-0000-000000000000';

/** Plans kept at most (one per running shared subscription, normally). */
const MAX_PLANS = 10_000;

type Json = Parameters<typeof applyDenials>[0];

interface Channel {
  streams: Set<EventStream>;
  stopUpstream: () => void;
}

/**
 * Identical subscriptions — same document, variables and role set — share one
 * upstream subscription and one execution per event; every client gets the
 * shared result. (The role set decides which fields were denied, so it is part
 * of the key; the account is too for `@callerScoped` fields, whose events
 * belong to one caller.)
 */
export class SharedSubscriptions {
  private readonly channels = new Map<string, Channel>();
  private readonly plans = new Map<string, SubscriptionPlan>();

  constructor(
    private readonly planner: SubscriptionPlanner,
    private readonly upstream: UpstreamSubscriptions,
    private readonly executor: EventExecutor,
    private readonly formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError,
    private readonly logger: Logger,
    private readonly deliveryDuration?: EventDeliveryDuration,
  ) {}

  /** Shared subscriptions currently running. */
  get size(): number {
    return this.channels.size;
  }

  /** Client subscriptions the shared ones serve, over every connection. */
  get subscriberCount(): number {
    let count = 0;
    for (const channel of this.channels.values()) count += channel.streams.size;
    return count;
  }

  /** Plans the request (once per key); throws when it cannot be planned. */
  prepare(request: LiveRequest): PreparedSubscription {
    const source = print(request.document);
    const perCaller = this.planner.isCallerScoped(request.document, request.operationName);
    const key = createHash('sha256')
      .update(JSON.stringify([source, request.operationName ?? null, sortedKeys(request.variables), [...request.identity.roles].sort(), perCaller ? request.identity.accountId : null]))
      .digest('hex');
    let plan = this.plans.get(key);
    if (!plan) {
      plan = this.planner.plan(request.document, request.operationName);
      // Plans are dropped with their channel; the bound covers requests prepared but never opened.
      if (this.plans.size >= MAX_PLANS) this.plans.clear();
      this.plans.set(key, plan);
    }
    const runAs: Identity = perCaller ? request.identity : { accountId: SHARED_SUBSCRIBER_ACCOUNT_ID, roles: [...request.identity.roles] };
    return { key, request, plan, source, conflate: conflationFor(request.document, request.operationName), perCaller, runAs };
  }

  /**
   * Joins the shared subscription for `prepared.key`, starting it upstream if it is the first;
   * the stream writes the client's events under graphql-ws's `subscriptionId`.
   */
  open(prepared: PreparedSubscription, subscriptionId: string): EventStream {
    const stream = new EventStream(subscriptionId, prepared.request.outbox, prepared.conflate, (detached) => this.detach(prepared.key, detached));
    const existing = this.channels.get(prepared.key);
    if (existing) {
      existing.streams.add(stream);
      return stream;
    }
    const channel: Channel = { streams: new Set([stream]), stopUpstream: () => undefined };
    this.channels.set(prepared.key, channel);
    const backlog = new UpstreamBacklog(
      async (item) => ('event' in item ? this.deliver(prepared, channel, item.event) : this.close(prepared.key, channel, item.end)),
      prepared.conflate,
      prepared.plan.primary.serviceName,
      this.logger,
    );
    const { primary } = prepared.plan;
    const variables = Object.fromEntries((primary.variableUsages ?? []).filter((name) => Object.hasOwn(prepared.request.variables, name)).map((name) => [name, prepared.request.variables[name]]));
    channel.stopUpstream = this.upstream.subscribe(
      primary.serviceName,
      prepared.runAs,
      prepared.perCaller,
      { query: primary.operation, variables, ...(primary.operationName && { operationName: primary.operationName }) },
      {
        next: (event) => backlog.push({ event }),
        error: (error) => {
          this.logger.warn('upstream subscription failed', { subgraph: primary.serviceName, error });
          backlog.push({ end: { errors: [new PreformattedError(this.formatError(upstreamError(error), error))] } });
        },
        complete: () => backlog.push({ end: undefined }),
      },
    );
    return stream;
  }

  /** Ends every client stream and upstream subscription (the endpoint is stopping). */
  stop(): void {
    for (const [key, channel] of this.channels) this.close(key, channel);
  }

  private async deliver(prepared: PreparedSubscription, channel: Channel, event: UpstreamEvent): Promise<void> {
    if (channel.streams.size === 0) return;
    const started = performance.now();
    let result: ExecutionResult;
    try {
      const executed = await this.executor.execute(
        prepared.plan,
        {
          document: prepared.request.document,
          source: prepared.source,
          operationName: prepared.request.operationName,
          variables: prepared.request.variables,
          // Nor is a shared event fetched from the address of the client that opened it.
          context: { identity: prepared.runAs, client: prepared.perCaller ? prepared.request.client : '' },
        },
        event,
      );
      const { data, errors: denied } = applyDenials(executed.data as Json, prepared.request.denials, prepared.request.keyOrder);
      // executeQueryPlan also reports plain Errors (a fetch that failed), which have no toJSON.
      const errors = [...(executed.errors ?? []).map((error) => this.formatError(error instanceof GraphQLError ? error.toJSON() : { message: (error as Error).message }, error)), ...denied];
      result = { data, ...(errors.length && { errors: errors.map((error) => new PreformattedError(error)) }) };
    } catch (error) {
      result = { data: null, errors: [new PreformattedError(this.formatError({ message: String(error) }, error))] };
    }
    const shared = new SharedEvent(result);
    for (const stream of channel.streams) stream.push(shared);
    this.deliveryDuration?.observe({ subgraph: prepared.plan.primary.serviceName }, (performance.now() - started) / 1000);
  }

  private close(key: string, channel: Channel, last?: ExecutionResult): void {
    if (this.channels.get(key) !== channel) return;
    this.channels.delete(key);
    this.plans.delete(key);
    channel.stopUpstream();
    const shared = last && new SharedEvent(last);
    for (const stream of channel.streams) stream.end(shared);
    channel.streams.clear();
  }

  private detach(key: string, stream: EventStream): void {
    const channel = this.channels.get(key);
    if (!channel || !channel.streams.delete(stream) || channel.streams.size > 0) return;
    this.close(key, channel);
  }
}

/** What a client learns of an upstream failure: errors the subgraph sent as they are, anything else masked. */
function upstreamError(error: unknown): GraphQLFormattedError {
  if (Array.isArray(error) && error.length && typeof error[0]?.message === 'string') return error[0] as GraphQLFormattedError;
  return { message: 'The live data source is unavailable', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/** The value with every object's keys in order: input objects that differ only in key order key alike. */
export function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]));
}
