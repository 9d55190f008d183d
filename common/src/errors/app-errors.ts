import { GraphQLError } from 'graphql';

/**
 * The stable error codes clients can rely on (`extensions.code`).
 * Anything else leaving the gateway is masked as INTERNAL_SERVER_ERROR.
 */
export const ERROR_CODES = [
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'PRICE_UNAVAILABLE',
  'SERVICE_UNAVAILABLE',
  'INTERNAL_SERVER_ERROR',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

type Extra = Record<string, unknown>;

abstract class AppError extends GraphQLError {
  protected constructor(message: string, code: ErrorCode, extra: Extra = {}) {
    super(message, { extensions: { ...extra, code } });
  }
}

export class BadUserInputError extends AppError {
  /** `field` names the offending input so forms can show the message next to it; `extra` adds detail (e.g. a position). */
  constructor(message: string, field?: string, extra: Extra = {}) {
    super(message, 'BAD_USER_INPUT', field ? { ...extra, field } : extra);
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'Authentication required') {
    super(message, 'UNAUTHENTICATED');
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Not allowed') {
    super(message, 'FORBIDDEN');
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super(`${what} not found`, 'NOT_FOUND');
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(message, 'CONFLICT');
  }
}

/** Something the request needs is busy or away for now: worth trying again shortly. */
export class ServiceUnavailableError extends AppError {
  constructor(message: string) {
    super(message, 'SERVICE_UNAVAILABLE');
  }
}

/** No price fresh enough to act on: nothing is guessed, nothing is done. */
export class PriceUnavailableError extends AppError {
  constructor(message: string) {
    super(message, 'PRICE_UNAVAILABLE');
  }
}

export class RateLimitedError extends AppError {
  constructor(message: string, retryAfterSeconds: number) {
    super(message, 'RATE_LIMITED', { retryAfterSeconds });
  }
}
