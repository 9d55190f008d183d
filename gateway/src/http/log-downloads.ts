import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Express, Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import { answerRouteError, hasAnyRole, Identity, InternalTokenSigner, INTERNAL_TOKEN_HEADER, LOG_ARCHIVE_INTERNAL_PATH, LOG_ARCHIVE_NAME, LOG_EXPORT_INTERNAL_PATH, REQUEST_ID_HEADER, requestIdMiddleware } from '@herck/common';
import { AccessTokenVerifier } from '../auth/access-token-verifier';

/**
 * The public path of a log archive; the logs subgraph serves the file to the gateway only.
 * Any path below it is taken (Express 5's wildcard, one or more segments), so a name with a
 * slash in it is refused as a bad name, like one with an encoded slash, not answered by
 * Express's HTML 404.
 */
export const LOG_ARCHIVE_PATH = '/logs/archives/*fileName';

/** Where archives are listed below; without a name it names no file. */
const LOG_ARCHIVES_PATH = '/logs/archives';

/** The public path of an export of log entries (LogFilter's fields as query parameters). */
export const LOG_EXPORT_PATH = '/logs/export';

/** What the gateway passes on of logs' answer. */
const FORWARDED_HEADERS = ['content-type', 'content-length', 'content-disposition'];

/**
 * Files for admins, with an admin's access token: `GET /logs/archives/<fileName>` (an archive)
 * and `GET /logs/export?…` (the entries a filter selects, as NDJSON), fetched from the logs
 * subgraph with the admin's identity (which checks it again) and streamed through.
 */
export function serveLogDownloads(app: Express, verifier: AccessTokenVerifier, signer: InternalTokenSigner, logsGraphqlUrl: string): void {
  const forward = forwarder(verifier, signer, logsGraphqlUrl);
  // Named like every answer of the gateway, its log lines carrying the id, which is passed on, as for GraphQL requests.
  app.get(LOG_ARCHIVE_PATH, requestIdMiddleware(), (req, res) =>
    forward(req, res, 'download log archives', () => {
      const fileName = ((req.params as { fileName?: string[] }).fileName ?? []).join('/');
      return LOG_ARCHIVE_NAME.test(fileName) ? { path: `${LOG_ARCHIVE_INTERNAL_PATH}/${encodeURIComponent(fileName)}` } : { refusal: 'Not an archive name' };
    }),
  );
  // No name at all is a bad name too (the wildcard needs one segment): a JSON refusal, not Express's HTML 404.
  app.get(LOG_ARCHIVES_PATH, requestIdMiddleware(), (req, res) => forward(req, res, 'download log archives', () => ({ refusal: 'Not an archive name' })));
  app.get(LOG_EXPORT_PATH, requestIdMiddleware(), (req, res) => forward(req, res, 'export logs', () => ({ path: LOG_EXPORT_INTERNAL_PATH + new URL(req.originalUrl, 'http://gateway').search })));
}

/** Where logs answers a request, or why the gateway refuses it before asking (400). */
type InternalTarget = { path: string } | { refusal: string };

/** Checks the caller is an admin, then streams logs' answer at the path `target` names. */
function forwarder(verifier: AccessTokenVerifier, signer: InternalTokenSigner, logsGraphqlUrl: string) {
  return async (req: Request, res: Response, what: string, target: () => InternalTarget): Promise<void> => {
    const fail = (status: number, code: string, message: string) => answerRouteError(res, status, code, message);
    let identity: Identity;
    try {
      identity = await verifier.identify(req.header('authorization'));
    } catch (error) {
      // The refusal's own headers go with it: a bad token's Bearer challenge, or a 503's Retry-After.
      const { code, http } = (error as GraphQLError).extensions as { code: string; http?: { status: number; headers?: Map<string, string> } };
      for (const [name, value] of http?.headers ?? []) res.setHeader(name, value);
      return void fail(http?.status ?? 401, code, (error as Error).message);
    }
    // A 401 names the scheme to sign in with (RFC 6750), as /metrics does.
    if (!identity.accountId) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return void fail(401, 'UNAUTHENTICATED', `Sign in as an admin to ${what}`);
    }
    if (!hasAnyRole(identity, ['ADMIN'])) return void fail(403, 'FORBIDDEN', `Only admins may ${what}`);
    const internal = target();
    if ('refusal' in internal) return void fail(400, 'BAD_USER_INPUT', internal.refusal);
    // The timeout covers the answer's headers; a large file may then take as long as it takes.
    const headersTimeout = new AbortController();
    const timer = setTimeout(() => headersTimeout.abort(), 30_000);
    try {
      const upstream = await fetch(new URL(internal.path, logsGraphqlUrl), {
        // HEAD stays HEAD: asked with GET, logs would read what the gateway then throws away.
        method: req.method === 'HEAD' ? 'HEAD' : 'GET',
        headers: { [INTERNAL_TOKEN_HEADER]: signer.sign(identity, 'logs', req.ip), [REQUEST_ID_HEADER]: String(res.getHeader(REQUEST_ID_HEADER)) },
        signal: headersTimeout.signal,
      });
      clearTimeout(timer);
      res.status(upstream.status);
      for (const header of FORWARDED_HEADERS) {
        const value = upstream.headers.get(header);
        if (value) res.setHeader(header, value);
      }
      if (!upstream.body) return void res.end();
      // pipeline, not pipe: a failure on either side ends both instead of escaping as an unhandled error.
      await pipeline(Readable.fromWeb(upstream.body as import('node:stream/web').ReadableStream), res);
    } catch {
      clearTimeout(timer);
      if (!res.headersSent) fail(503, 'SERVICE_UNAVAILABLE', 'The logs service is unavailable; try again shortly');
      else res.destroy();
    }
  };
}
