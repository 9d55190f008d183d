import { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { Logger, LogLevel } from '../logging/logger';
import { MAX_OPERATION_NAME_LABEL_LENGTH } from '../metrics/operation-metrics';
import { isClientGone } from './client-gone';

/** What one answered operation's line says: its name and type (null before they were known), and its errors. */
export interface AnsweredOperationLine {
  operation: string | null;
  type: string | null;
  /** `performance.now()` when the operation was received. */
  started: number;
  errors?: readonly { extensions?: Record<string, unknown> }[];
}

/**
 * Writes the one `operation answered` line of an operation. Apollo Server's
 * operations get it from `accessLogPlugin`; an operation a server answers
 * itself (the gateway's subscriptions) calls it, so every operation has one.
 * Work given up because the client went away (ClientGoneError) is no error of
 * the server's, and has no code: the line says `clientGone: true` instead.
 */
export function logOperationAnswered(logger: Logger, level: LogLevel, { operation, type, started, errors }: AnsweredOperationLine): void {
  const failures = errors?.filter((error) => !isClientGone(error));
  logger[level]('operation answered', {
    // Clients choose names as long as a request: cut as the metrics' label is, so a line stays a line.
    operation: operation && operation.length > MAX_OPERATION_NAME_LABEL_LENGTH ? `${operation.slice(0, MAX_OPERATION_NAME_LABEL_LENGTH)}…` : operation,
    type,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    ...(failures?.length && { errors: [...new Set(failures.map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))] }),
    ...(errors?.some(isClientGone) && { clientGone: true }),
  });
}

/**
 * One line per operation answered: its name and type, how long it took and the
 * codes of its errors. It is written inside the request, so it carries the
 * request's id like every other line of that request.
 */
export function accessLogPlugin<TContext extends BaseContext>(logger: Logger, level: LogLevel): ApolloServerPlugin<TContext> {
  // Requests Apollo Server refuses before any operation starts (no requestDidStart): a body of the wrong shape,
  // a GET without a CSRF preflight header (BAD_REQUEST), a context that could not be made. They reached
  // GraphQL, so the refusal log leaves them to this one; without these hooks neither wrote a line.
  const refusedBeforeOperation = async ({ error }: { error: Error }) => {
    if (!logger.enabled(level)) return;
    logOperationAnswered(logger, level, { operation: null, type: null, started: performance.now(), errors: [error as { extensions?: Record<string, unknown> }] });
  };
  return {
    invalidRequestWasReceived: refusedBeforeOperation,
    contextCreationDidFail: refusedBeforeOperation,
    async requestDidStart() {
      if (!logger.enabled(level)) return;
      const started = performance.now();
      return {
        async willSendResponse({ operation, operationName, errors }) {
          logOperationAnswered(logger, level, { operation: operationName ?? null, type: operation?.operation ?? null, started, errors });
        },
      };
    },
  };
}
