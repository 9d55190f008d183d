import type { IncomingMessage, ServerResponse } from 'node:http';
import querystring from 'node:querystring';
import parseurl from 'parseurl';

/**
 * Node's own request and response, as the GraphQL route sees them: it runs outside Express
 * (see `GraphqlHttpService.serve`). Express runs the same handlers on its routes: its request
 * and response are these, extended.
 */
export interface PlainRequest extends IncomingMessage {
  /** The parsed JSON body, once `jsonBodies` has read it. */
  body?: unknown;
}

export interface PlainResponse extends ServerResponse {
  /** What the handlers of one request tell each other (Express's `res.locals`). */
  locals: Record<string, unknown>;
}

export type NextHandler = (error?: unknown) => void;
export type PlainHandler = (req: PlainRequest, res: PlainResponse, next: NextHandler) => void | Promise<void>;
export type PlainErrorHandler = (error: unknown, req: PlainRequest, res: PlainResponse, next: NextHandler) => void | Promise<void>;

/** A request header's value, as Express's `req.header` reads it (Node joins a repeated one, but for set-cookie, a list: its first). */
export function requestHeader(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The path of the request's target, as Express's `req.path` reads it (also from an absolute URL). */
export function requestPath(req: IncomingMessage): string {
  return parseurl(req)?.pathname ?? '/';
}

/** The path the client asked for, also inside an Express mount (which strips the mount's path from `url`). */
export function originalPath(req: IncomingMessage): string {
  return parseurl.original(req)?.pathname ?? '/';
}

/** The request's query parameters, as Express's default ("simple") parser reads them for `req.query`. */
export function queryParameters(req: IncomingMessage): querystring.ParsedUrlQuery {
  const query = parseurl(req)?.query;
  return querystring.parse(typeof query === 'string' ? query : '');
}

/** Answers `body` as JSON in `mediaType` (with UTF-8 named, as Express's `res.json` does). */
export function sendJson(res: ServerResponse, status: number, body: unknown, mediaType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', `${mediaType}; charset=utf-8`);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
