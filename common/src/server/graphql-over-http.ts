import { markRefused } from './refused-request-log';
import { PlainErrorHandler, PlainHandler, PlainResponse, queryParameters, requestHeader, sendJson } from './plain-http';

export const JSON_MEDIA_TYPE = 'application/json';
export const GRAPHQL_RESPONSE_MEDIA_TYPE = 'application/graphql-response+json';

/**
 * The client's preference between the two JSON media types, chosen as Apollo
 * Server's negotiator does: highest quality, then the most specific range,
 * then the range listed first, then application/json. No header means
 * application/json, as the GraphQL-over-HTTP spec says; undefined when the
 * client accepts neither.
 */
export function preferredMediaType(accept: string | undefined): string | undefined {
  if (!accept) return JSON_MEDIA_TYPE;
  const ranges = accept.split(',').map((entry, order) => {
    const [range = '', ...parameters] = entry.split(';').map((part) => part.trim().toLowerCase());
    const quality = parameters.find((parameter) => parameter.startsWith('q='));
    return { range, q: quality === undefined ? 1 : Number(quality.slice(2)), order };
  });
  const candidates = [JSON_MEDIA_TYPE, GRAPHQL_RESPONSE_MEDIA_TYPE].flatMap((mediaType, index) => {
    const matches = ranges
      .map((range) => ({ ...range, specificity: specificity(range.range, mediaType) }))
      .filter((range) => range.specificity >= 0)
      .sort((a, b) => b.specificity - a.specificity || b.q - a.q || a.order - b.order);
    const best = matches[0];
    return best && best.q > 0 ? [{ mediaType, index, ...best }] : [];
  });
  candidates.sort((a, b) => b.q - a.q || b.specificity - a.specificity || a.order - b.order || a.index - b.index);
  return candidates[0]?.mediaType;
}

/** 2 for the type itself, 1 for `application/*`, 0 for `*\/*`, -1 when the range does not cover it. */
function specificity(range: string, mediaType: string): number {
  if (range === mediaType) return 2;
  if (range === 'application/*') return 1;
  return range === '*/*' ? 0 : -1;
}

/**
 * Answers a request GraphQL cannot take (a parameter missing or of the wrong
 * type) as graphql-http's audits ask: 400 in `application/graphql-response+json`,
 * whose clients read the status; 200 in `application/json`, whose clients read
 * the errors from the body whatever the status. A client that accepts neither
 * gets 400 in application/json. A body that is not JSON at all is no GraphQL
 * request in either: 400 whatever the client accepts (`notJson`; graphql-http
 * 1.23's audit BCF8).
 */
export function answerRequestError(res: PlainResponse, accept: string | undefined, message: string, { notJson = false, code = 'BAD_REQUEST' } = {}): void {
  const mediaType = preferredMediaType(accept);
  // A refusal whatever the status says (200 for application/json): the refusal log writes its line.
  markRefused(res.locals, message);
  sendJson(res, mediaType === JSON_MEDIA_TYPE && !notJson ? 200 : 400, { errors: [{ message, extensions: { code } }] }, mediaType ?? JSON_MEDIA_TYPE);
}

/**
 * Checks a POST's JSON body, or a GET's parameters, for the shape of a GraphQL-over-HTTP
 * request before Apollo Server sees it: Apollo refuses a malformed one itself, but with
 * 400 whatever the client accepts. Bodies that are not a JSON object (none, or a batch)
 * go on to Apollo Server, which answers them.
 */
export function wellFormedRequests(): PlainHandler {
  return (req, res, next) => {
    const body: unknown = req.body;
    const problem = req.method === 'GET' ? parameterMalformation(queryParameters(req)) : req.method === 'POST' && isMap(body) ? malformation(body) : undefined;
    if (problem) return answerRequestError(res, requestHeader(req, 'accept'), problem);
    next();
  };
}

/** Body-parser's refusal of a body that is not JSON (or JSON but no object or batch), answered like any other malformed request. */
export function unparsableBodies(): PlainErrorHandler {
  return (error, req, res, next) => {
    if ((error as { type?: string }).type !== 'entity.parse.failed') return next(error);
    const message = (error as { validJson?: boolean }).validJson ? 'The request body must be a JSON object' : 'The request body is not valid JSON';
    answerRequestError(res, requestHeader(req, 'accept'), message, { notJson: true });
  };
}

/** What makes `body` no GraphQL request, or undefined when it is one. */
function malformation(body: Record<string, unknown>): string | undefined {
  const { query, operationName, variables, extensions } = body;
  if (!isAbsent(extensions) && !isMap(extensions)) return '`extensions` must be an object if provided';
  if (!isAbsent(variables) && !isMap(variables)) return '`variables` must be an object if provided';
  if (!isAbsent(operationName) && typeof operationName !== 'string') return '`operationName` must be a string if provided';
  // An automatic persisted query names its document by hash and may leave `query` out.
  const persisted = isMap(extensions) && extensions.persistedQuery !== undefined;
  if (persisted ? !isAbsent(query) && typeof query !== 'string' : typeof query !== 'string' || query === '') return '`query` must be a non-empty string';
  return undefined;
}

/** What makes a GET's parameters no GraphQL request, or undefined when they are one (a missing `query` is Apollo Server's to answer). */
function parameterMalformation(parameters: Record<string, string | string[] | undefined>): string | undefined {
  for (const name of ['query', 'operationName', 'variables', 'extensions']) {
    if (Array.isArray(parameters[name])) return `\`${name}\` may be given only once`;
  }
  for (const name of ['variables', 'extensions']) {
    const text = parameters[name];
    if (typeof text === 'string' && !isMap(jsonOrUndefined(text))) return `\`${name}\` must be a JSON-encoded object if provided`;
  }
  return undefined;
}

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isAbsent(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
