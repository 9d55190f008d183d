import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { ERROR_CODES } from '../errors/app-errors';
import { Logger } from '../logging/logger';

const STABLE_CODES = new Set<string>(ERROR_CODES);

/**
 * Errors we raise on purpose carry a stable code and a message meant for the
 * client; anything else is a bug or an outage: log it, tell the client nothing.
 */
export function maskUnexpectedErrors(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && STABLE_CODES.has(code) && code !== 'INTERNAL_SERVER_ERROR') return formatted;
    const original = unwrapResolverError(error);
    if (original instanceof GraphQLError && original.extensions?.code && STABLE_CODES.has(String(original.extensions.code))) {
      return formatted;
    }
    logger.error('unexpected error', { error: original, path: formatted.path });
    return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}
