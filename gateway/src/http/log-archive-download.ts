import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Express } from 'express';
import { GraphQLError } from 'graphql';
import { hasAnyRole, InternalTokenSigner, INTERNAL_TOKEN_HEADER, LOG_ARCHIVE_INTERNAL_PATH, LOG_ARCHIVE_NAME, REQUEST_ID_HEADER, requestIdMiddleware } from '@herck/common';
import { AccessTokenVerifier } from '../auth/access-token-verifier';

/**
 * The public path of a log archive; the logs subgraph serves the file to the gateway only.
 * Any path below it is taken (Express 5's wildcard, one or more segments), so a name with a
 * slash in it is refused as a bad name, like one with an encoded slash, not answered by
 * Express's HTML 404.
 */
export const LOG_ARCHIVE_PATH = '/logs/archives/*fileName';

/**
 * `GET /logs/archives/<fileName>` with an admin's access token: the archive,
 * fetched from the logs subgraph with the admin's identity (which checks it again).
 */
export function serveLogArchiveDownloads(app: Express, verifier: AccessTokenVerifier, signer: InternalTokenSigner, logsGraphqlUrl: string): void {
  // Named like every answer of the gateway, its log lines carrying the id, which is passed on, as for GraphQL requests.
  app.get(LOG_ARCHIVE_PATH, requestIdMiddleware(), async (req, res) => {
    const fail = (status: number, code: string, message: string) => res.status(status).json({ errors: [{ message, extensions: { code } }] });
    let identity;
    try {
      identity = await verifier.identify(req.header('authorization'));
    } catch (error) {
      const { code, http } = (error as GraphQLError).extensions as { code: string; http?: { status: number } };
      return void fail(http?.status ?? 401, code, (error as Error).message);
    }
    if (!identity.accountId) return void fail(401, 'UNAUTHENTICATED', 'Sign in as an admin to download log archives');
    if (!hasAnyRole(identity, ['ADMIN'])) return void fail(403, 'FORBIDDEN', 'Only admins may download log archives');
    const segments = (req.params as { fileName?: string[] }).fileName ?? [];
    const fileName = segments.join('/');
    if (!LOG_ARCHIVE_NAME.test(fileName)) return void fail(400, 'BAD_USER_INPUT', 'Not an archive name');
    // The timeout covers the answer's headers; a large file may then take as long as it takes.
    const headersTimeout = new AbortController();
    const timer = setTimeout(() => headersTimeout.abort(), 30_000);
    try {
      const upstream = await fetch(new URL(`${LOG_ARCHIVE_INTERNAL_PATH}/${encodeURIComponent(fileName)}`, logsGraphqlUrl), {
        headers: { [INTERNAL_TOKEN_HEADER]: signer.sign(identity, 'logs', req.ip), [REQUEST_ID_HEADER]: String(res.getHeader(REQUEST_ID_HEADER)) },
        signal: headersTimeout.signal,
      });
      clearTimeout(timer);
      res.status(upstream.status);
      for (const header of ['content-type', 'content-length', 'content-disposition']) {
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
  });
}
