import { STATUS_CODES } from 'node:http';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLError } from 'graphql';
import { Dispatcher } from 'undici';
import { ANONYMOUS, currentRequestId, InternalTokenSigner, INTERNAL_TOKEN_HEADER, Logger, REQUEST_ID_HEADER } from '@herck/common';
import { GatewayContext } from '../auth/authorizing-gateway';
import { failedFetchErrors } from './failed-fetch-errors';
import type { PublicAnswerCache } from './public-answer-cache';
import { SubgraphFetchDuration } from './subgraph-fetch.metrics';

/** What every subgraph's source shares: the signer, the connection pool, the cache of public answers, metrics and the log. */
export interface InternalDataSourceDeps {
  signer: InternalTokenSigner;
  pool: Dispatcher;
  /** Shared by every subgraph's source (its keys name the subgraph), so its bound is the gateway's. */
  publicAnswers: PublicAnswerCache;
  fetchDuration?: SubgraphFetchDuration;
  /** Where a failed fetch is named (the client's answer says only SERVICE_UNAVAILABLE or INTERNAL_SERVER_ERROR). */
  logger?: Logger;
}

/**
 * Calls one subgraph, vouching for the caller's identity with a short-lived internal token.
 *
 * It posts with undici's `request` on a shared keep-alive pool rather than through
 * RemoteGraphQLDataSource's fetch: a fetch goes through WHATWG streams, an AbortSignal and a
 * cloned Request per call, which cost the gateway more CPU than the rest of a subgraph hop
 * together (bench:gateway). The pool closes idle connections long before a subgraph would
 * (subgraph-pool.ts), so no request goes out on a socket the subgraph is closing.
 *
 * Queries whose answer the subgraph declares public for a while (market's round-scoped data)
 * are answered from a cache until then; the caller's access was checked before any fetch.
 */
export class InternalDataSource implements GraphQLDataSource<GatewayContext> {
  private readonly origin: string;
  private readonly path: string;
  private readonly signer: InternalTokenSigner;
  private readonly pool: Dispatcher;
  private readonly publicAnswers: PublicAnswerCache;
  private readonly fetchDuration?: SubgraphFetchDuration;
  private readonly logger?: Logger;

  constructor(
    private readonly url: string,
    private readonly subgraphName: string,
    deps: InternalDataSourceDeps,
  ) {
    this.signer = deps.signer;
    this.pool = deps.pool;
    this.publicAnswers = deps.publicAnswers;
    this.fetchDuration = deps.fetchDuration;
    this.logger = deps.logger;
    const parsed = new URL(url);
    this.origin = parsed.origin;
    this.path = parsed.pathname + parsed.search;
  }

  async process({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const body = JSON.stringify({ query: request.query, variables: request.variables, operationName: request.operationName, extensions: request.extensions });
    const reads = !!request.query && QUERY_OPERATION.test(request.query);
    // What a client may do after a fetch that failed once sent: a read may simply be asked again; a mutation may have been made all the same.
    const afterFailure = reads ? 'try again shortly' : 'the change may or may not have been made';
    const cached = reads ? this.publicAnswers.get(this.subgraphName, body) : undefined;
    if (cached) {
      this.fetchDuration?.observe({ subgraph: this.subgraphName, outcome: 'reused' }, 0);
      return JSON.parse(cached) as GatewayGraphQLResponse;
    }

    const { identity = ANONYMOUS, client, signal } = context as Partial<GatewayContext>;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [INTERNAL_TOKEN_HEADER]: this.signer.sign(identity, this.subgraphName, client),
    };
    // The subgraph logs under the gateway's id for this request.
    const requestId = currentRequestId();
    if (requestId) headers[REQUEST_ID_HEADER] = requestId;
    const done = this.fetchDuration?.startTimer({ subgraph: this.subgraphName });
    // A read answered after a mutation to this subgraph may be older than it: not kept (see `forget`).
    const generation = this.publicAnswers.generation(this.subgraphName);
    try {
      // A read whose client went away is given up, its connection closed: the subgraph stops work done
      // only for that answer (a backtest). A mutation's fetch is not: its change is made, or not, as before.
      const response = await this.pool.request({ origin: this.origin, path: this.path, method: 'POST', headers, body, signal: reads ? signal : undefined });
      const text = await response.body.text();
      const contentType = String(response.headers['content-type'] ?? '');
      const isJson = contentType.startsWith('application/json') || contentType.startsWith('application/graphql-response+json');
      const parsed: unknown = isJson ? JSON.parse(text) : text;
      // A 400 whose every error is BAD_USER_INPUT is the subgraph refusing what the client gave (a value
      // the gateway could not check): those errors are the answer, not a failed fetch. Any other 400
      // (a validation error, which could name fields or values the client never sent) stays a failure.
      if (response.statusCode === 400 && isBadUserInput(parsed)) {
        done?.({ outcome: 'error' });
        return parsed;
      }
      // A proxy or the subgraph itself saying it cannot serve now: the same as not reaching it.
      if (UNAVAILABLE_STATUSES.has(response.statusCode)) throw unavailable(this.subgraphName, afterFailure);
      // Under the gateway's BODY_LIMIT, over the subgraph's own (a long list of ids, say): the client's to shorten.
      if (response.statusCode === 413) throw new GraphQLError(`The request is too large for the ${this.subgraphName} service`, { extensions: { code: 'BAD_REQUEST' } });
      if (response.statusCode < 200 || response.statusCode > 299) throw errorFromResponse(this.url, response.statusCode, parsed);
      if (typeof parsed !== 'object' || parsed === null) throw new Error(`Expected JSON response body, but received: ${text}`);
      const answer = parsed as GatewayGraphQLResponse;
      done?.({ outcome: answer.errors?.length ? 'error' : 'ok' });
      const cacheControl = response.headers['cache-control'];
      if (reads && !answer.errors?.length && typeof cacheControl === 'string') this.publicAnswers.remember(this.subgraphName, body, text, cacheControl, generation);
      return answer;
    } catch (error) {
      if (reads && signal?.aborted) {
        // Nobody is waiting for this answer: no outage to report.
        done?.({ outcome: 'abandoned' });
        this.logger?.debug('subgraph fetch abandoned: the client went away', { subgraph: this.subgraphName });
        // Each error keeps the signal's reason (a ClientGoneError) as its original error, which the gateway's
        // operation keeps under its own: counted and logged as given up for a client that left (isClientGone), not failed.
        const errors = failedFetchErrors(unavailable(this.subgraphName, 'its client went away', 'was not waited for'), request.query!, request.variables);
        return { errors: errors.map((error) => ({ ...error, originalError: signal.reason as unknown })) };
      }
      done?.({ outcome: 'failed' });
      // Under the request's id, naming the subgraph and why: operators find an outage here.
      this.logger?.warn('subgraph fetch failed', { subgraph: this.subgraphName, reason: (error as { code?: unknown }).code ?? (error as Error).message });
      const failure = this.failure(error, afterFailure);
      // One the client can act on, at the fields it leaves null; anything else is masked (INTERNAL_SERVER_ERROR, logged) as it stands.
      if (failure instanceof GraphQLError && typeof failure.extensions.code === 'string') return { errors: failedFetchErrors(failure, request.query!, request.variables) };
      throw failure;
    } finally {
      // A mutation may have changed what the subgraph's public answers said, even one whose answer
      // never arrived: they are not reused after it.
      if (!reads) this.publicAnswers.forget(this.subgraphName);
    }
  }

  /** What the client is told of a fetch that got no usable answer. */
  private failure(error: unknown, afterFailure: string): unknown {
    if (error instanceof GraphQLError) return error;
    if (isTimeout(error)) return unavailable(this.subgraphName, afterFailure, 'did not answer in time');
    // Not reached (stopped, restarting): nothing was sent, so a mutation was not made either.
    if (isUnreachable(error)) return unavailable(this.subgraphName, 'try again shortly');
    // Cut off mid-answer: as after a timeout, a mutation may have been made.
    if (isCutOff(error)) return unavailable(this.subgraphName, afterFailure);
    return error;
  }
}

function isBadUserInput(body: unknown): body is GatewayGraphQLResponse {
  const errors = (body as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) && errors.length > 0 && errors.every((error) => (error as { extensions?: { code?: unknown } } | null)?.extensions?.code === 'BAD_USER_INPUT');
}

/** A fetch of the query plan that reads (a mutation's fetches are never answered from the cache). */
const QUERY_OPERATION = /^\s*(\{|query\b)/;

/**
 * A subgraph answering other than 2xx. Our subgraphs refuse a caller inside a 200 answer, so a 401
 * or 403 here means they refused the gateway itself (its internal token): the gateway's fault, not
 * the caller's. No stable code, so it is logged and the client sees only INTERNAL_SERVER_ERROR,
 * never the subgraph's address or answer.
 */
function errorFromResponse(url: string, status: number, body: unknown): GraphQLError {
  return new GraphQLError(`${status}: ${STATUS_CODES[status] ?? 'Error'}`, { extensions: { response: { url, status, body } } });
}

const UNAVAILABLE_STATUSES = new Set([502, 503, 504]);

function unavailable(subgraph: string, advice: string, what = 'is unavailable'): GraphQLError {
  return new GraphQLError(`The ${subgraph} service ${what}; ${advice}`, { extensions: { code: 'SERVICE_UNAVAILABLE' } });
}

/** No connection could be made: the request never left. */
function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'EHOSTUNREACH' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}

/** The connection went away while the request or its answer was on it. */
function isCutOff(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED';
}

/** undici's errors for a subgraph that took too long: no headers, or a pause in the body. */
function isTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}
