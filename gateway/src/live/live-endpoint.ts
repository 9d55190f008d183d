import http from 'node:http';
import { Dispatcher } from 'undici';
import { ApolloServer } from '@apollo/server';
import { ExecutionArgs, getOperationAST, GraphQLError, parse } from 'graphql';
import { CloseCode, Context, ExecutionResult } from 'graphql-ws';
import WebSocket, { WebSocketServer } from 'ws';
import { clientKey, Identity, InternalTokenSigner, Logger, logOperationAnswered, maskUnexpectedErrors, OperationMetrics, REQUEST_ID_HEADER, requestIdFrom, logRequestRefused } from '@herck/common';
import { AccessTokenVerifier } from '../auth/access-token-verifier';
import { connectionCounts } from '../cluster/connection-counts';
import { GatewayContext } from '../auth/authorizing-gateway';
import { RolePolicy } from '../auth/role-policy';
import { subscriptionRootDirectiveProblem } from '../http/subscription-root-directives';
import { OperationRateLimits, rateLimitedError } from '../limits/operation-rate-limits';
import { GatewayConfig } from '../env';
import { InternalDataSource } from '../remote/internal-data-source';
import { PublicAnswerCache } from '../remote/public-answer-cache';
import { SubgraphFetchDuration } from '../remote/subgraph-fetch.metrics';
import { authorizationFrom, tokenExpiry } from './connection-auth';
import { ConnectionOutbox } from './connection-outbox';
import { ConnectionOutboxes, OutboxStats } from './connection-outboxes';
import { ConnectionQueries } from './connection-queries';
import { ConnectionStreams } from './connection-streams';
import { Extra, serveGraphqlWs } from './graphql-ws-server';
import { clientIdOf } from './operation-ids';
import { EventExecutor } from './event-executor';
import { checkSubscription, OperationPayload, ParsedOperation, parseOperation, SubscriptionRules } from './operation-checks';
import { PreformattedError } from './preformatted-error';
import { ResumeCredits, resumeKey } from './resume-credits';
import { EventDeliveryDuration } from './live.metrics';
import { PreparedSubscription, SharedSubscriptions } from './shared-subscriptions';
import { SubscriptionPlanner } from './subscription-planner';
import { UpstreamSubscriptions } from './upstream-subscriptions';

/** Close codes this endpoint uses beyond graphql-ws's own. */
export const LIVE_CLOSE = {
  /** Invalid or expired access token, also when it expires while connected (graphql-ws's Forbidden). */
  forbidden: CloseCode.Forbidden,
  /** The account (or, anonymous, the client address) already has `wsMaxConnectionsPerAccount` connections open. */
  tooManyConnections: 4429,
  /** Auth could not be asked whether the session stands: a retryable "try again later". */
  tryAgainLater: 1013,
  /** The gateway is stopping. */
  goingAway: 1001,
} as const;

/** Where handshakes are taken: the GraphQL path, with or without the trailing slash. */
const GRAPHQL_PATHS = ['/graphql', '/graphql/'];

/** The least a socket may hold unsent before a client that does not read is cut (a large query answer may sit there a moment). */
const MIN_MAX_UNSENT_BYTES = 8 * 1024 * 1024;

/** The smallest hard bound on one message: an operation somewhat over BODY_LIMIT still gets its own `error`. */
const MIN_MAX_PAYLOAD = 1024 * 1024;

/** On stop, sockets that have not finished their closing handshake by then are cut. */
const CLOSE_GRACE_MS = 3_000;

export interface LiveEndpointOptions {
  httpServer: http.Server;
  config: GatewayConfig;
  logger: Logger;
  supergraphSdl: string;
  verifier: AccessTokenVerifier;
  signer: InternalTokenSigner;
  /** Queries and mutations sent over the socket run through it, so HTTP's whole pipeline applies. */
  apollo: ApolloServer<GatewayContext>;
  /** The rules HTTP validates with, limits included, and graphql-armor's it costs variables with. */
  rules: SubscriptionRules;
  /** The client's address as HTTP computes it (TRUST_PROXY decides whether X-Forwarded-For counts). */
  clientAddress: (request: http.IncomingMessage) => string;
  /** The per-caller operation budget: a subscription spends one when it starts (queries and mutations, through Apollo). */
  rateLimits: OperationRateLimits;
  /** Counts and times operations as HTTP's are: the subscriptions the endpoint runs itself are observed here. */
  operationMetrics: OperationMetrics;
  /** Times the fetches an event's other fields need, as HTTP's are. */
  subgraphFetchDuration?: SubgraphFetchDuration;
  /** Times each shared event from its query plan to its last socket. */
  eventDeliveryDuration?: EventDeliveryDuration;
  /** The keep-alive pool the follow-up fetches of subscription events go through. */
  subgraphPool: Dispatcher;
  /** Public subgraph answers, shared with HTTP's fetches. */
  publicAnswers: PublicAnswerCache;
}

export interface LiveStats extends OutboxStats {
  /** Open client connections (acknowledged or not). */
  connections: number;
  /** Subscriptions open at the subgraphs. */
  upstreamSubscriptions: number;
  /** Distinct shared subscriptions (each serves one or more clients). */
  sharedSubscriptions: number;
  /** Client subscriptions open, over every connection. */
  clientSubscriptions: number;
}

export interface LiveEndpoint {
  stats(): LiveStats;
  /** Closes every client socket (1001) and the upstream connections. Call before HTTP drains. */
  stop(): Promise<void>;
}

/** Who is on a connection, decided at `connection_init`. */
interface Connection {
  identity: Identity;
  /** The `Authorization` it signed in with, checked again for each query and mutation as HTTP checks each request. */
  authorization?: string;
  client: string;
  /** The connection's bounded queue of unsent events (slow consumers). */
  outbox: ConnectionOutbox;
  /** The subscriptions it runs, by operation id: ended by the gateway when graphql-ws completes them or the socket closes. */
  streams: ConnectionStreams;
  /** The queries and mutations it runs, each given up when its client completes it or the socket closes. */
  queries: ConnectionQueries;
}

/** What `onSubscribe` hands to graphql-ws's `execute`/`subscribe` hooks through `contextValue`. */
type Operation =
  | { kind: 'single'; result: ExecutionResult }
  | { kind: 'subscription'; prepared: PreparedSubscription; operationId: string; streams: ConnectionStreams; stillWanted: () => boolean; resumeKey?: string };

type Ctx = Context<Record<string, unknown> | undefined, Extra>;

/**
 * graphql-ws on the gateway's `/graphql` (same port and path as HTTP): the
 * access token in `connection_init`, the CORS list for the handshake's Origin,
 * HTTP's limits and role checks for every operation, and subscriptions run
 * through the supergraph's query plans.
 */
export function startLiveEndpoint(options: LiveEndpointOptions): LiveEndpoint {
  const { config, logger } = options;
  const planner = new SubscriptionPlanner(options.supergraphSdl);
  const policy = RolePolicy.fromSupergraph(options.supergraphSdl);
  const upstream = new UpstreamSubscriptions(config.subgraphUrls, options.signer, logger, config.upstreamRetryMaxSeconds * 1000);
  const outboxes = new ConnectionOutboxes({ maxQueuedEvents: config.wsMaxQueuedEvents, maxBufferedBytes: config.wsMaxBufferedBytes }, logger);
  // Every subgraph the gateway knows, catalogued or named only by the supergraph.
  const services = Object.fromEntries(Object.entries(config.subgraphUrls).map(([name, url]) => [name, new InternalDataSource(url, name, { signer: options.signer, pool: options.subgraphPool, publicAnswers: options.publicAnswers, fetchDuration: options.subgraphFetchDuration, logger })]));
  const shared = new SharedSubscriptions(
    planner,
    upstream,
    new EventExecutor(planner, services, logger),
    maskUnexpectedErrors(logger, { production: config.production }),
    logger,
    options.eventDeliveryDuration,
  );
  const connections = new WeakMap<Ctx, Connection>();
  /** Each open socket's connection: for the credits of what the gateway ends (see endForResumption), and `complete`s. */
  const running = new Map<WebSocket, Connection>();
  const credits = new ResumeCredits((durationSeconds) => options.rateLimits.sharedCounts('resume', durationSeconds), logger);
  /** Sockets the gateway is closing: their subscriptions are credited once. */
  const ending = new WeakSet<WebSocket>();
  /** Credits still being written: `stop` waits for them, so that their store is not let go first. */
  const granting = new Set<Promise<void>>();
  /**
   * The gateway closes a socket whose client is expected to come back at once (a new token, another
   * gateway, auth answering again): its subscriptions, started again within the window, cost nothing (ResumeCredits).
   */
  const endForResumption = (socket: WebSocket, code: number, reason: string): void => {
    if (socket.readyState !== WebSocket.OPEN || ending.has(socket)) return;
    ending.add(socket);
    // The credits are sent to their store before the close frame is written (grant sends before it
    // returns), and the close does not wait for them to be stored: a slow store held the socket open
    // for up to RATE_LIMIT_REDIS_TIMEOUT_MS (about 1 s to the workers' supervisor). A client that
    // reconnects at once still finds them: its starts reach the store after them, over this gateway's
    // own connection (Redis and the supervisor answer a connection in order), or from another worker
    // or gateway after a reconnection, which takes longer than the credits take to arrive.
    const granted = credits.grant(running.get(socket)?.streams.resumeKeys() ?? []);
    granting.add(granted);
    void granted.finally(() => granting.delete(granted));
    socket.close(code, reason);
  };
  /** Open connections per account, and per client address for anonymous ones (across every gateway worker). */
  const perHolder = connectionCounts(config.wsMaxConnectionsPerAccount);

  const messageLimit = bytes(config.bodyLimit);
  /** One id per handshake, the same in a refusal and in the 101 that accepts it. */
  const handshakeIds = new WeakMap<http.IncomingMessage, string>();
  const handshakeId = (request: http.IncomingMessage): string => {
    let id = handshakeIds.get(request);
    if (!id) handshakeIds.set(request, (id = requestIdFrom(request.headers[REQUEST_ID_HEADER])));
    return id;
  };
  const sockets = new WebSocketServer({
    server: options.httpServer,
    // The hard bound (close 1009); an operation over BODY_LIMIT but under this is refused on its own (serveGraphqlWs).
    maxPayload: Math.max(4 * messageLimit, MIN_MAX_PAYLOAD),
    // HTTP serves the API at `/graphql/` too (Sandbox opened there subscribes to that URL): so does the socket,
    // and nowhere else (400, as ws answers: refused here, the answer names its request too).
    // Browsers send Origin and cannot be stopped from opening sockets cross-site; other clients send none.
    verifyClient: ({ origin, req }: { origin?: string; req: http.IncomingMessage }, allow: (allowed: boolean, status?: number, message?: string, headers?: http.OutgoingHttpHeaders) => void) => {
      const requestId = handshakeId(req);
      const headers = { [REQUEST_ID_HEADER]: requestId };
      const path = (req.url ?? '').split('?', 1)[0]!;
      // Logged as HTTP's refusals before GraphQL are ("request refused"): a cross-site page opening sockets shows.
      const refuse = (status: number, message: string) => {
        logRequestRefused(logger, 'info', requestId, { method: req.method, path, status, reason: message, origin });
        allow(false, status, message, headers);
      };
      if (!GRAPHQL_PATHS.includes(path)) return refuse(400, 'Bad Request');
      if (origin && !config.corsOrigins.includes(origin)) return refuse(403, 'Origin not allowed');
      allow(true);
    },
  });
  // The handshake is an HTTP answer too, so it names its request like every other (101 or refusal);
  // the operations sent over the socket then get ids of their own.
  sockets.on('headers', (headers, request) => headers.push(`${REQUEST_ID_HEADER}: ${handshakeId(request)}`));

  const onConnect = async (ctx: Ctx): Promise<boolean> => {
    const { socket, request } = ctx.extra;
    const claimed = authorizationFrom(ctx.connectionParams);
    const authorization = claimed.kind === 'bearer' ? claimed.authorization : undefined;
    let identity: Identity;
    try {
      if (claimed.kind === 'malformed') throw new GraphQLError('The Authorization must be "Bearer <access token>"', { extensions: { code: 'UNAUTHENTICATED' } });
      identity = await options.verifier.identify(authorization);
    } catch (error) {
      const unavailable = error instanceof GraphQLError && error.extensions.code === 'SERVICE_UNAVAILABLE';
      // Closing here names the reason; graphql-ws's own close (4403 "Forbidden") that follows is then a no-op.
      if (unavailable) socket.close(LIVE_CLOSE.tryAgainLater, 'Sign-in could not be checked; try again shortly');
      else socket.close(LIVE_CLOSE.forbidden, 'Access token is invalid or expired');
      return false;
    }
    if (socket.readyState !== WebSocket.OPEN) return false;
    const client = options.clientAddress(request);
    // Anonymous connections count per client address (an IPv6 one per /64), as the rate limits count anonymous callers.
    const holder = identity.accountId ?? `anonymous ${clientKey(client)}`;
    const release = await perHolder.open(holder);
    if (!release) {
      socket.close(LIVE_CLOSE.tooManyConnections, identity.accountId ? 'Too many connections for this account' : 'Too many anonymous connections from this address');
      return false;
    }
    // Closed while its place was being counted (by another process, for gateway workers).
    if (socket.readyState !== WebSocket.OPEN) {
      release();
      return false;
    }
    const expiresAt = authorization ? tokenExpiry(authorization) : null;
    const expiry = expiresAt === null ? undefined : setTimeout(() => endForResumption(socket, LIVE_CLOSE.forbidden, 'Access token expired'), Math.min(Math.max(expiresAt - Date.now(), 0), 2 ** 31 - 1));
    expiry?.unref();
    // A logout, deactivation, deletion or role change reaches open sockets as it reaches HTTP requests:
    // within the session check's interval, the socket closes (4403) and the client reconnects anew.
    // Checked every half interval against a state at most half an interval old: at most one interval
    // after the change, as over HTTP (a state cached just before it would otherwise be read for another interval).
    const recheckMs = Math.max(config.sessionCheckSeconds * 500, 500);
    const checks = { unanswered: 0 };
    const recheck = authorization ? setInterval(() => void recheckSession(socket, authorization, identity, recheckMs, checks), recheckMs) : undefined;
    recheck?.unref();
    socket.once('close', () => {
      running.delete(socket);
      clearTimeout(expiry);
      clearInterval(recheck);
      release();
    });
    const connection: Connection = { identity, authorization, client, outbox: outboxes.open(socket, client), streams: new ConnectionStreams(), queries: new ConnectionQueries() };
    running.set(socket, connection);
    socket.once('close', () => {
      connection.streams.closeAll();
      connection.queries.closeAll();
    });
    connections.set(ctx, connection);
    return true;
  };

  const recheckSession = async (socket: WebSocket, authorization: string, identity: Identity, maxAgeMs: number, checks: { unanswered: number }): Promise<void> => {
    try {
      const current = await options.verifier.identify(authorization, maxAgeMs);
      checks.unanswered = 0;
      const sameRoles = current.roles.length === identity.roles.length && current.roles.every((role) => identity.roles.includes(role));
      if (!sameRoles) endForResumption(socket, LIVE_CLOSE.forbidden, 'Your roles changed; reconnect');
    } catch (error) {
      const code = error instanceof GraphQLError ? error.extensions.code : undefined;
      if (code === 'UNAUTHENTICATED') endForResumption(socket, LIVE_CLOSE.forbidden, 'This session has ended; sign in again');
      // Auth cannot say whether the session stands: twice in a row (a whole interval unchecked, as HTTP
      // allows at most), the socket closes rather than go on unchecked; one blip closes nothing. The
      // gateway ends the subscriptions, not their client: started again once auth answers, they are resumed.
      else if (code === 'SERVICE_UNAVAILABLE' && ++checks.unanswered >= 2) endForResumption(socket, LIVE_CLOSE.tryAgainLater, 'Sign-in could not be checked; try again shortly');
    }
  };

  /** The caller of a query or mutation on the socket, its session checked as for an HTTP request; errors as GraphQL errors. */
  const currentIdentity = async (connection: Connection): Promise<Identity | GraphQLError[]> => {
    if (!connection.authorization) return connection.identity;
    try {
      return await options.verifier.identify(connection.authorization);
    } catch (error) {
      if (error instanceof GraphQLError) return [error];
      throw error;
    }
  };

  /**
   * An operation Apollo Server did not run (a subscription, started or refused; a message refused
   * before it reached Apollo): counted and logged here, as Apollo's plugins count and log the others,
   * so that every operation on the socket has its metric and its `operation answered` line.
   */
  const answered = (parsed: ParsedOperation | null, errors: readonly GraphQLError[] | undefined, started: { hr: bigint; ms: number }): void => {
    const type = parsed?.kind ?? null;
    const name = parsed ? (getOperationAST(parsed.document, parsed.operationName)?.name?.value ?? null) : null;
    options.operationMetrics.observe({ type, name, failed: Boolean(errors?.length) }, started.hr);
    logOperationAnswered(logger, 'info', { operation: name, type, started: started.ms, errors });
  };

  const onSubscribe = async (ctx: Ctx, id: string, payload: OperationPayload): Promise<ExecutionArgs | GraphQLError[]> => {
    const started = { hr: process.hrtime.bigint(), ms: performance.now() };
    const connection = connections.get(ctx)!;
    // The operation being subscribed already holds its slot in `ctx.subscriptions`; the streams are what really runs.
    if (Math.max(Object.keys(ctx.subscriptions).length - 1, connection.streams.size) >= config.wsMaxSubscriptionsPerConnection) {
      const errors = [new GraphQLError(`At most ${config.wsMaxSubscriptionsPerConnection} operations may run at once on one connection`, { extensions: { code: 'RATE_LIMITED' } })];
      answered(null, errors, started);
      return errors;
    }
    const parsed = parseOperation(payload, config.limits.maxTokens);
    if (Array.isArray(parsed)) {
      answered(null, parsed, started);
      return parsed;
    }
    const args = { schema: planner.schema, document: parsed.document, operationName: parsed.operationName, variableValues: parsed.variables };
    if (parsed.kind !== 'subscription') {
      // Run here, so that an answer without data (a request error: parse, validation, limits, bad
      // variables) is an `error` message, as graphql-ws sends such errors and as a subscription gets them.
      const problem = subscriptionRootDirectiveProblem(parsed.document);
      const caller = problem ? [new GraphQLError(problem, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })] : await currentIdentity(connection);
      if (Array.isArray(caller)) {
        answered(parsed, caller, started);
        return caller;
      }
      let result: ExecutionResult | GraphQLError[];
      try {
        // Apollo Server counts and logs what it runs; its reads from subgraphs stop when the client stops waiting.
        result = await executeSingle(options.apollo, payload, caller, connection.client, connection.queries.start(id));
      } catch (error) {
        // One operation's failure is that operation's `error`: the socket and its subscriptions go on.
        logger.error('an operation on a socket failed', { error });
        const errors = [new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })];
        answered(parsed, errors, started);
        return errors;
      } finally {
        connection.queries.ended(id);
      }
      if (Array.isArray(result)) return result;
      // A persisted query's hash alone brought no document here (Apollo Server looked it up): graphql-ws needs one to see it is no subscription.
      const ran = parsed.document.definitions.length ? args : { ...args, document: LOOKED_UP_QUERY, operationName: undefined };
      return { ...ran, contextValue: { kind: 'single', result } satisfies Operation };
    }
    // Apollo Server counts the queries and mutations it runs; the subscriptions the gateway runs itself are counted here.
    const subscription = await startSubscription(ctx, id, parsed, connection);
    answered(parsed, Array.isArray(subscription) ? subscription : undefined, started);
    return Array.isArray(subscription) ? subscription : { ...args, contextValue: subscription };
  };

  /** A checked, budgeted and planned subscription, ready to join its shared one; or why not. */
  const startSubscription = async (ctx: Ctx, id: string, parsed: ParsedOperation, connection: Connection): Promise<Operation | GraphQLError[]> => {
    const checked = checkSubscription(parsed, planner.schema, options.rules, connection.identity, policy, { hideSuggestions: config.production });
    if (Array.isArray(checked)) return checked;
    const { accountId } = connection.identity;
    const resume = accountId ? resumeKey(accountId, parsed.document, parsed.operationName, checked.declaredVariables) : undefined;
    // One the gateway ended a moment ago, started again: already paid for, by the credit it left.
    const credit = resume !== undefined && (await credits.take(resume)) ? resume : undefined;
    if (credit === undefined) {
      const budget = await options.rateLimits.take(connection.identity, connection.client);
      if (!budget.allowed) return [rateLimitedError(budget, 'websocket')];
    }
    try {
      const prepared = shared.prepare({ ...parsed, document: checked.document, variables: checked.declaredVariables, denials: checked.denials, keyOrder: checked.keyOrder, ...connection });
      const stillWanted = () => id in ctx.subscriptions;
      return { kind: 'subscription', prepared, operationId: id, streams: connection.streams, stillWanted, resumeKey: resume };
    } catch (error) {
      // The credit did not give the subscription it stands for: it stays for the client's next attempt (once, see giveBack).
      if (credit !== undefined) await credits.giveBack(credit);
      logger.error('could not plan a subscription', { error });
      return [new GraphQLError('The subscription could not be planned', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })];
    }
  };

  const server = serveGraphqlWs<Record<string, unknown> | undefined>(
    {
      // graphql-ws closes a socket that has not sent `connection_init` by then with 4408.
      connectionInitWaitTimeout: config.wsConnectionInitTimeoutMs,
      onConnect,
      onSubscribe,
      execute: (args) => answerOf(args.contextValue as Operation),
      subscribe: (args) => {
        const operation = args.contextValue as Operation;
        if (operation.kind !== 'subscription') return answerOf(operation);
        // Completed by its client while it was being set up: joining the shared subscription now
        // could write an event before graphql-ws drops it.
        if (!operation.stillWanted()) return nothingMore();
        const stream = shared.open(operation.prepared, clientIdOf(operation.operationId));
        operation.streams.add(operation.operationId, stream, operation.resumeKey);
        return stream;
      },
      // Whatever graphql-ws completes (the subscription ended, the client completed it, the socket closed), no stream may go on under that operation.
      onComplete: (ctx, id) => connections.get(ctx)?.streams.completed(id),
    },
    sockets,
    logger,
    { messageLimit, maxUnsentBytes: Math.max(8 * config.wsMaxBufferedBytes, MIN_MAX_UNSENT_BYTES) },
    (socket, operationId) => running.get(socket)?.queries.cancelled(operationId),
  );

  let stopped: Promise<void> | undefined;
  return {
    stats: () => ({ connections: sockets.clients.size, upstreamSubscriptions: upstream.activeCount, sharedSubscriptions: shared.size, clientSubscriptions: shared.subscriberCount, ...outboxes.stats() }),
    stop: () =>
      (stopped ??= (async () => {
        // A client that does not answer the close frame must not hold up shutdown.
        const cut = setTimeout(() => sockets.clients.forEach((socket) => socket.terminate()), CLOSE_GRACE_MS);
        try {
          // Clients reconnect to another gateway (or this one, restarted) and resume there.
          for (const socket of running.keys()) endForResumption(socket, LIVE_CLOSE.goingAway, 'Going away');
          // The rate limits' store is let go after this endpoint: the credits are written by then.
          await Promise.all([server.dispose(), ...granting]);
        } finally {
          clearTimeout(cut);
          shared.stop();
          await upstream.stop();
        }
      })()),
  };
}

/**
 * A query or mutation sent over the socket, run by Apollo Server as if it came over HTTP: its
 * result, or, when it has no data (the request failed before execution), its errors.
 */
async function executeSingle(apollo: ApolloServer<GatewayContext>, payload: OperationPayload, identity: Identity, client: string, signal: AbortSignal): Promise<ExecutionResult | GraphQLError[]> {
  const response = await apollo.executeOperation(
    // Its extensions too: a persisted query's hash is checked against the query, or looked up when the
    // query is empty (graphql-ws requires one, where an HTTP client leaves it out), as over HTTP.
    {
      query: payload.query.trim() === '' && payload.extensions?.persistedQuery ? undefined : payload.query,
      variables: payload.variables ?? undefined,
      operationName: payload.operationName ?? undefined,
      extensions: payload.extensions ?? undefined,
    },
    { contextValue: { identity, client, signal } },
  );
  if (response.body.kind !== 'single') {
    return [new PreformattedError({ message: '@defer and @stream are not served over WebSocket', extensions: { code: 'BAD_REQUEST' } })];
  }
  const { data, errors, extensions } = response.body.singleResult;
  if (data === undefined) return (errors ?? []).map((error) => new PreformattedError(error));
  return { data, ...(errors && { errors: errors.map((error) => new PreformattedError(error)) }), ...(extensions && { extensions }) };
}

/** Stands for a query Apollo Server found by its persisted hash: graphql-ws reads only its kind, and the answer is given. */
const LOOKED_UP_QUERY = parse('{ __typename }');

/** A subscription that has already ended. */
async function* nothingMore(): AsyncGenerator<ExecutionResult> {}

/** The answer of a query or mutation run in `onSubscribe`. */
function answerOf(operation: Operation): ExecutionResult {
  if (operation.kind !== 'single') throw new Error('not a query or mutation');
  return operation.result;
}

/** Express's body limit notation (`100kb`, `1mb`, `512`) in bytes, for the largest accepted message. */
function bytes(limit: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(limit.trim());
  if (!match) return 100 * 1024;
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(match[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb' | 'gb'];
  return Math.floor(Number(match[1]) * unit);
}
