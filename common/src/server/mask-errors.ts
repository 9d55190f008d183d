import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { isStoreUnavailable } from '../database/store-unavailable';
import { ERROR_CODES } from '../errors/app-errors';
import { Logger } from '../logging/logger';
import { isClientGone } from './client-gone';

const STABLE_CODES = new Set<string>(ERROR_CODES);

/** Extensions that describe the server's insides (Apollo Server 4 and 2 names; the gateway's subgraph names). */
const INTERNAL_EXTENSIONS = ['stacktrace', 'exception', 'serviceName', 'validationErrorCode'];

/**
 * graphql-js's parser recurses: a document nesting brackets by the thousand (MAX_TOKENS allows about
 * 2000, and a cold process's frames are larger) can run the stack out before the token limit stops it.
 * Apollo Server answers that RangeError as a parse failure in the engine's words; clients get these.
 */
export const TOO_DEEP_TO_PARSE = 'Syntax Error: the document nests too deeply';

/** Apollo Server's refusal of introspection names its own configuration option; clients get a plain sentence. */
const INTROSPECTION_DISABLED = /^GraphQL introspection is not allowed by Apollo Server/;

export interface MaskOptions {
  /**
   * Strip stack traces from every error, also from extensions relayed as they
   * came: a subgraph running in development mode sends its own.
   */
  production?: boolean;
}

/**
 * Errors we raise on purpose carry a stable code and a message meant for the
 * client; anything else is a bug or an outage: log it, tell the client nothing.
 */
export function maskUnexpectedErrors(logger: Logger, { production = false }: MaskOptions = {}) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (code === 'GRAPHQL_PARSE_FAILED' && parserFailed(error)) return expose({ message: TOO_DEEP_TO_PARSE, extensions: formatted.extensions }, production);
    if (typeof code === 'string' && STABLE_CODES.has(code) && code !== 'INTERNAL_SERVER_ERROR') return expose(formatted, production);
    const original = unwrapResolverError(error);
    const originalCode = original instanceof GraphQLError ? original.extensions?.code : undefined;
    // An internal error relayed from elsewhere (a subgraph's, whatever its message says) is masked here too.
    if (originalCode && STABLE_CODES.has(String(originalCode)) && originalCode !== 'INTERNAL_SERVER_ERROR') {
      return expose(formatted, production);
    }
    // Apollo Server's own refusal of a request before it runs (a persisted query's hash that does not
    // match, an unsupported version), a 4xx without a code: the client's mistake, not an outage.
    if (isRequestRefusal(original, formatted)) return { message: formatted.message, extensions: { code: 'BAD_REQUEST' } };
    // The database stopped or restarting (or another dependency a resolver calls unreachable): an outage
    // the client can wait out, as when a whole subgraph is away.
    if (isStoreUnavailable(original)) {
      logger.warn('unavailable: the database or another dependency could not be reached', { error: original, path: formatted.path });
      return { message: 'Temporarily unavailable; try again shortly', path: formatted.path, extensions: { code: 'SERVICE_UNAVAILABLE' } };
    }
    // Work given up because its client went away (see clientGoneSignal): nobody reads this answer, and nothing failed.
    if (isClientGone(original)) {
      logger.debug('answer abandoned: the client went away', { path: formatted.path });
      return { message: 'The client went away', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
    logger.error('unexpected error', { error: original, path: formatted.path });
    return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

/** Whether a parse failure is the parser's own crash (no GraphQLError at the bottom of the chain), not a syntax error it reported. */
function parserFailed(error: unknown): boolean {
  let cause: unknown = error;
  while (cause instanceof GraphQLError && cause.originalError) cause = cause.originalError;
  return !(cause instanceof GraphQLError);
}

function isRequestRefusal(original: unknown, formatted: GraphQLFormattedError): boolean {
  if (!(original instanceof GraphQLError) || formatted.path || original.extensions?.code) return false;
  const status = (original.extensions?.http as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

function expose(formatted: GraphQLFormattedError, production: boolean): GraphQLFormattedError {
  if (!production || !formatted.extensions) return formatted;
  const extensions = Object.fromEntries(Object.entries(formatted.extensions).filter(([key]) => !INTERNAL_EXTENSIONS.includes(key)));
  const message = INTROSPECTION_DISABLED.test(formatted.message) ? 'Introspection is disabled on this server' : formatted.message;
  return { ...formatted, message, extensions };
}
