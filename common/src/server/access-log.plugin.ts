import { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { Logger, LogLevel } from '../logging/logger';

/**
 * One line per operation answered: its name and type, how long it took and the
 * codes of its errors. It is written inside the request, so it carries the
 * request's id like every other line of that request.
 */
export function accessLogPlugin<TContext extends BaseContext>(logger: Logger, level: LogLevel): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      if (!logger.enabled(level)) return;
      const started = performance.now();
      return {
        async willSendResponse({ operation, operationName, errors }) {
          logger[level]('operation answered', {
            operation: operationName ?? null,
            type: operation?.operation ?? null,
            durationMs: Math.round((performance.now() - started) * 10) / 10,
            ...(errors?.length && { errors: [...new Set(errors.map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))] }),
          });
        },
      };
    },
  };
}
