import { Logger, LogLevel } from '../logging/logger';
import { REQUEST_ID_HEADER, runWithRequestId } from '../logging/request-context';
import { echoedInput } from '../errors/echoed-input';
import { PlainHandler, requestPath } from './plain-http';

/** Set by the GraphQL handler on a request it answers: Apollo Server's access log has its line. */
const ANSWERED_BY_GRAPHQL = 'answeredByGraphql';
/** Set, with why, on a request refused with a status below 400 (a malformed request, for an application/json client: 200). */
const REFUSED_BECAUSE = 'refusedBecause';

/** Probes polled every few seconds: their answers are their own record, a line each would be noise. */
const PROBE_PATHS = new Set(['/healthz', '/readyz']);

/** Marks a request as answered by GraphQL, whose access log writes its line. */
export function markAnsweredByGraphql(locals: Record<string, unknown>): void {
  locals[ANSWERED_BY_GRAPHQL] = true;
}

/**
 * Marks a request as refused though its status may say otherwise: GraphQL over HTTP answers a malformed
 * request to an application/json client with 200 and the error in the body.
 */
export function markRefused(locals: Record<string, unknown>, reason: string): void {
  locals[REFUSED_BECAUSE] = reason;
}

/**
 * One `request refused` line for every request refused before it reached GraphQL (a body too large
 * or not JSON, a malformed request, a path nothing serves, a wrong metrics token), at the access
 * log's level and under the request's id, so an operator sees every refusal the clients saw, not
 * only the operations'.
 */
export function refusedRequestLog(logger: Logger, level: LogLevel): PlainHandler {
  return (req, res, next) => {
    if (!logger.enabled(level)) return next();
    // Read now: a router mounted at a path (the GraphQL route's checks) strips it from req.url for its handlers,
    // and one that answers leaves it stripped ("/" for a refusal at /graphql).
    const path = requestPath(req);
    if (PROBE_PATHS.has(path)) return next();
    const started = performance.now();
    res.once('finish', () => {
      const reason = res.locals[REFUSED_BECAUSE] as string | undefined;
      if ((res.statusCode < 400 && reason === undefined) || res.locals[ANSWERED_BY_GRAPHQL]) return;
      logRequestRefused(logger, level, String(res.getHeader(REQUEST_ID_HEADER) ?? ''), {
        method: req.method,
        path,
        status: res.statusCode,
        reason,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      });
    });
    next();
  };
}

/** What a `request refused` line says; `path` and `origin` are the client's, cut as echoed input is. */
export interface RefusedRequestLine {
  method: string | undefined;
  path: string;
  status: number;
  reason?: string;
  origin?: string;
  durationMs?: number;
}

/** Writes one `request refused` line under the request's id: HTTP's refusals before GraphQL and the socket's refused handshakes alike. */
export function logRequestRefused(logger: Logger, level: LogLevel, requestId: string, { path, origin, ...line }: RefusedRequestLine): void {
  // A field left undefined (no reason, no origin) is no key of the line: JSON has no undefined.
  runWithRequestId(requestId, () => logger[level]('request refused', { ...line, path: echoedInput(path), origin: origin === undefined ? undefined : echoedInput(origin) }));
}
