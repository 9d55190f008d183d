import { randomUUID } from 'node:crypto';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { PlainHandler } from '../server/plain-http';

/** The header that carries a request's id from the client to the gateway and on to every subgraph. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** What a caller may choose as an id: printable, short, no spaces or quotes to smuggle into logs. */
const WELL_FORMED_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** The id of the request this code runs for, or undefined outside a request. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** Runs `work` (and everything it starts) as part of the request `requestId`. */
export function runWithRequestId<T>(requestId: string, work: () => T): T {
  return storage.run({ requestId }, work);
}

/** Runs `work` (and everything it starts: connections, timers) outside any request, as work shared by many is. */
export function withoutRequestId<T>(work: () => T): T {
  return storage.exit(work);
}

/** Keeps a well-formed id the caller sent; otherwise (none, or malformed) a new one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given && WELL_FORMED_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Names the request in the response header before anything may refuse it (a body too
 * large, not JSON, malformed): every answer carries its request's id.
 */
export function requestIdHeader(): PlainHandler {
  return (req, res, next) => {
    res.setHeader(REQUEST_ID_HEADER, requestIdFrom(req.headers[REQUEST_ID_HEADER]));
    next();
  };
}

/**
 * Gives the rest of the request its id (the one `requestIdHeader` chose, or a new one)
 * that every log line written on its behalf carries. Mount it after the body parser: a
 * stream's events run outside the context set before them.
 */
export function requestIdMiddleware(): PlainHandler {
  return (req, res, next) => {
    const named = res.getHeader(REQUEST_ID_HEADER);
    const requestId = typeof named === 'string' ? named : requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    runWithRequestId(requestId, next);
  };
}
