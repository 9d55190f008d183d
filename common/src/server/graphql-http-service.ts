import http from 'node:http';
import { AddressInfo } from 'node:net';
import { ApolloServer, ApolloServerOptions, BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import express, { Request } from 'express';
import { Logger, LogLevel } from '../logging/logger';
import { accessLogPlugin } from './access-log.plugin';
import { graphqlMiddleware } from './graphql-middleware';
import { jsonBodies } from './json-bodies';
import { OperationsInFlight } from './operations-in-flight';
import { parsedDocumentStore } from './parsed-documents';
import { refusedRequestLog } from './refused-request-log';
import { requestIdHeader, requestIdMiddleware } from '../logging/request-context';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { metricsRoute } from '../metrics/metrics-route';
import { OperationMetrics } from '../metrics/operation-metrics';
import { JSON_MEDIA_TYPE, preferredMediaType, unparsableBodies, wellFormedRequests } from './graphql-over-http';
import { answerRouteError } from './route-error';
import { echoedInput } from '../errors/echoed-input';
import { runHandlers } from './handler-chain';
import { originalPath, PlainErrorHandler, PlainHandler, PlainRequest, PlainResponse, requestHeader, sendJson } from './plain-http';

/** Where GraphQL is served. */
const GRAPHQL_PATH = '/graphql';

/** How long a stopping service waits for operations whose clients already hung up. */
const OPERATIONS_SETTLE_MS = 10_000;

/**
 * How long a stopping service lets the requests in flight finish before it cuts their connections:
 * as long as the gateway waits for a subgraph (SUBGRAPH_TIMEOUT_MS' default), so that a request slow
 * but in time is answered. Apollo's own default, 10 s, cut a slower one whose work was done all the
 * same (an order placed, its client told only that the connection closed).
 */
export const DRAIN_GRACE_MS = 30_000;

// For the gateway's status plugin: documents that fail and malformed requests choose their media type alike.
export { answerRequestError, GRAPHQL_RESPONSE_MEDIA_TYPE, JSON_MEDIA_TYPE, preferredMediaType } from './graphql-over-http';

export interface GraphqlHttpServiceOptions<TContext extends BaseContext> {
  logger: Logger;
  /** The level of the one line logged per operation (the gateway: info; subgraphs: debug). */
  accessLogLevel?: LogLevel;
  apollo: ApolloServerOptions<TContext>;
  context: (req: PlainRequest, res: PlainResponse) => Promise<TContext>;
  /** Handlers run before GraphQL on `/graphql` (CORS, internal token check, …), on Node's own request and response. */
  before?: PlainHandler[];
  /** Handlers run on the parsed, well-formed request, before GraphQL (a refusal of its own). */
  requests?: PlainHandler[];
  /** Express's `trust proxy` setting: which proxies may name the client's address. */
  trustProxy?: boolean | number | string;
  /** Largest accepted request body. */
  bodyLimit?: string;
  /** `/readyz` answers 200 only while this resolves true. */
  isReady?: () => Promise<boolean>;
  /** Extra routes beside `/graphql` (e.g. a JWKS document). */
  routes?: (app: express.Express) => void;
  /** The service's metrics, served on `/metrics`; a registry without a `service` label is made when omitted. */
  metrics?: MetricsRegistry;
  /** When set, `/metrics` answers only `Authorization: Bearer <metricsToken>` (METRICS_TOKEN). */
  metricsToken?: string;
}

/**
 * One GraphQL endpoint on `/graphql` with `/healthz`, `/readyz` and `/metrics`, built but not
 * yet listening. `stop()` refuses new connections, lets in-flight requests finish
 * (Apollo's drain plugin) and operations whose clients hung up, then returns so
 * the caller can close its store.
 */
export class GraphqlHttpService<TContext extends BaseContext> {
  readonly httpServer: http.Server;
  readonly apollo: ApolloServer<TContext>;
  /** Served on `/metrics`, with every operation counted and timed; register the service's own metrics here. */
  readonly metrics: MetricsRegistry;
  /** Counts and times Apollo Server's operations; operations run elsewhere (a gateway's subscriptions) are observed here too. */
  readonly operationMetrics: OperationMetrics;
  private readonly app = express();
  private readonly inFlight = new OperationsInFlight();
  private readonly accessLogLevel: LogLevel;
  /** The handlers of a GraphQL POST, in the order Express runs them on `/graphql`; set by `listen`, before which nothing is served. */
  private graphqlRoute?: { handlers: PlainHandler[]; errorHandlers: PlainErrorHandler[] };
  private stopping = false;

  constructor(private readonly options: GraphqlHttpServiceOptions<TContext>) {
    this.httpServer = http.createServer((req, res) => this.serve(req, res));
    this.metrics = options.metrics ?? new MetricsRegistry();
    this.operationMetrics = new OperationMetrics(this.metrics);
    this.accessLogLevel = options.accessLogLevel ?? 'debug';
    const plugins = [
      this.operationMetrics.plugin<TContext>(),
      accessLogPlugin<TContext>(options.logger, this.accessLogLevel),
      ...(options.apollo.plugins ?? []),
      this.inFlight.plugin<TContext>(),
      ApolloServerPluginDrainHttpServer({ httpServer: this.httpServer, stopGracePeriodMillis: DRAIN_GRACE_MS }),
    ];
    // Shutdown is ours to order (stop HTTP, drain, then close the store), not Apollo's own signal handler.
    // Parsed documents are kept within a bound that counts what they hold (see parsedDocumentStore).
    // Not `??`: a caller's null turns Apollo's store off, and must stay null.
    const documentStore = options.apollo.documentStore === undefined ? parsedDocumentStore() : options.apollo.documentStore;
    this.apollo = new ApolloServer<TContext>({ ...options.apollo, plugins, documentStore, stopOnTerminationSignals: false } as ApolloServerOptions<TContext>);
    this.app.set('trust proxy', options.trustProxy ?? false);
  }

  /**
   * The client's address for a request that reached the server outside Express
   * (a WebSocket upgrade): Express's own `req.ip` read on it, so `trust proxy`
   * decides whose X-Forwarded-For counts exactly as for HTTP requests.
   */
  clientAddress(request: http.IncomingMessage): string {
    const asExpressRequest = Object.create(this.app.request, { headers: { value: request.headers }, socket: { value: request.socket } }) as Request;
    return asExpressRequest.ip ?? 'unknown';
  }

  /**
   * A POST to `/graphql` (nearly every request) runs outside Express, on the same handlers Express
   * runs there: Express swaps the prototypes of each request and response, which cost a subgraph hop
   * about 0.1 ms of CPU, a fifth of its `{ __typename }` (README, Performance, 7 December).
   * Every other request (GET, probes, metrics, a query string, other paths) goes through Express.
   */
  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.graphqlRoute && req.method === 'POST' && req.url === GRAPHQL_PATH) {
      // What Express gives every response.
      const response = Object.assign(res, { locals: Object.create(null) as Record<string, unknown> });
      runHandlers(this.graphqlRoute.handlers, this.graphqlRoute.errorHandlers, req, response);
      return;
    }
    // Past every route: Express's own last word is an HTML page; ours is the JSON refusal every other answer is.
    // (Express still answers an OPTIONS for a path some route serves, with its methods, before this.)
    this.app(req as Request, res as express.Response, (error?: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (error) return answerRouteError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
      answerNothingServed(req, res);
    });
  }

  async listen(port: number, host: string): Promise<string> {
    await this.apollo.start();
    this.app.disable('x-powered-by');
    // No ETags: they would hash every GraphQL answer for nothing.
    this.app.set('etag', false);
    // Every answer names its request, whatever route (or refusal) gives it.
    const everyRequest = [requestIdHeader(), refusedRequestLog(this.options.logger, this.accessLogLevel)];
    this.app.use(...everyRequest);
    this.app.get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    });
    this.app.get('/readyz', async (_req, res) => {
      const ready = !this.stopping && (await (this.options.isReady?.() ?? Promise.resolve(true)).catch(() => false));
      res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable' });
    });
    this.app.get('/metrics', metricsRoute(this.metrics, this.options.metricsToken));
    this.options.routes?.(this.app);
    const graphql: PlainHandler[] = [
      ...(this.options.before ?? []),
      jsonBodies(this.options.bodyLimit ?? '100kb'),
      wellFormedRequests(),
      ...(this.options.requests ?? []),
      // After the body parser, so the id's context reaches the resolvers (see requestIdMiddleware).
      requestIdMiddleware(),
      graphqlMiddleware(this.apollo, (req, res) => this.options.context(req, res)),
    ];
    const errorHandlers = [unparsableBodies(), jsonErrors(this.options.logger)];
    // Nothing else is served: a JSON refusal like every other answer, not Express's HTML page. (OPTIONS
    // goes on to Express's own answer, which lists the methods a path takes.)
    const nothingServed: PlainHandler = (req, res, next) => (req.method === 'OPTIONS' ? next() : answerNothingServed(req, res));
    // A mount serves its path's prefix in any letter case (`/graphql/x`, `/GRAPHQL`): GraphQL is served at
    // /graphql alone, and nothing else at those paths (no CORS preflight approves a request to them either).
    const exactly: PlainHandler = (req, res, next) => (originalPath(req) === GRAPHQL_PATH ? next() : answerNothingServed(req, res));
    this.app.use(GRAPHQL_PATH, exactly, ...graphql);
    this.app.use(nothingServed);
    this.app.use(...errorHandlers);
    this.graphqlRoute = { handlers: [...everyRequest, ...graphql, nothingServed], errorHandlers };
    await new Promise<void>((resolve, reject) => {
      this.httpServer.once('error', reject);
      this.httpServer.listen(port, host, resolve);
    });
    const address = this.httpServer.address() as AddressInfo;
    return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}${GRAPHQL_PATH}`;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.apollo.stop();
    await this.inFlight.settled(OPERATIONS_SETTLE_MS);
  }
}

/** The JSON 404 of a path or method nothing serves. */
function answerNothingServed(req: http.IncomingMessage, res: http.ServerResponse): void {
  answerRouteError(res, 404, 'NOT_FOUND', `Nothing is served at ${req.method} ${echoedInput(originalPath(req))}`);
}

/** What body-parser's refusals mean to a client, by their `type`. */
const BODY_REFUSALS: Record<string, string> = {
  'entity.too.large': 'Request body too large',
  'charset.unsupported': 'Unsupported charset: send the body as UTF-8 JSON',
  'encoding.unsupported': 'Unsupported content encoding: send the body uncompressed or gzip/deflate/br',
};

/**
 * Body-parser and other HTTP-level failures answer in GraphQL's error shape, without internals,
 * in the media type the client prefers of the two JSON ones.
 */
function jsonErrors(logger: Logger): PlainErrorHandler {
  return (failure, req, res, _next) => {
    const error = failure as { status?: unknown; type?: string; message?: string };
    // Only a status Express's `res.status` took: anything else was a 500 there too.
    const status = typeof error.status === 'number' && Number.isInteger(error.status) && error.status >= 100 && error.status <= 999 ? error.status : 500;
    if (status >= 500) logger.error('request failed', { error });
    const message = (error.type && BODY_REFUSALS[error.type]) ?? (status >= 500 ? 'Internal server error' : 'Bad request');
    const code = status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST';
    sendJson(res, status, { errors: [{ message, extensions: { code } }] }, preferredMediaType(requestHeader(req, 'accept')) ?? JSON_MEDIA_TYPE);
  };
}
