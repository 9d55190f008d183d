import type { RequestHandler } from 'express';
import { Logger, LogLevel } from '../logging/logger';
import { REQUEST_ID_HEADER, runWithRequestId } from '../logging/request-context';
import { echoedInput } from '../errors/echoed-input';

/** Set by the GraphQL handler on a request it answers: Apollo Server's access log has its line. */
const ANSWERED_BY_GRAPHQL = 'answeredByGraphql';

/** Probes polled every few seconds: their answers are their own record, a line each would be noise. */
const PROBE_PATHS = new Set(['/healthz', '/readyz']);

/** Marks a request as answered by GraphQL, whose access log writes its line. */
export function markAnsweredByGraphql(locals: Record<string, unknown>): void {
  locals[ANSWERED_BY_GRAPHQL] = true;
}

/**
 * One `request refused` line for every request refused before it reached GraphQL (a body too large
 * or not JSON, a malformed request, a path nothing serves, a wrong metrics token), at the access
 * log's level and under the request's id, so an operator sees every refusal the clients saw, not
 * only the operations'.
 */
export function refusedRequestLog(logger: Logger, level: LogLevel): RequestHandler {
  return (req, res, next) => {
    if (!logger.enabled(level) || PROBE_PATHS.has(req.path)) return next();
    const started = performance.now();
    res.once('finish', () => {
      if (res.statusCode < 400 || res.locals[ANSWERED_BY_GRAPHQL]) return;
      const requestId = String(res.getHeader(REQUEST_ID_HEADER) ?? '');
      runWithRequestId(requestId, () =>
        logger[level]('request refused', { method: req.method, path: echoedInput(req.path), status: res.statusCode, durationMs: Math.round((performance.now() - started) * 10) / 10 }),
      );
    });
    next();
  };
}
