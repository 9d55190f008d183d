import path from 'node:path';
import { Express, RequestHandler } from 'express';
import { answerRouteError, BadUserInputError, hasAnyRole, InternalCaller, LOG_ARCHIVE_INTERNAL_PATH } from '@herck/common';
import { requireArchiveName } from './archive-file';

/** Where the gateway fetches an archive for an admin (the gateway's /logs/archives/<fileName>). */
const ARCHIVE_ROUTE = `${LOG_ARCHIVE_INTERNAL_PATH}/:fileName`;

export function serveArchiveDownloads(app: Express, archiveDir: string, gatewayOnly: RequestHandler): void {
  app.get(ARCHIVE_ROUTE, gatewayOnly, (req, res) => {
    const { identity } = res.locals.caller as InternalCaller;
    if (!hasAnyRole(identity, ['ADMIN'])) {
      answerRouteError(res, 403, 'FORBIDDEN', 'Only admins may download log archives');
      return;
    }
    let fileName: string;
    try {
      fileName = requireArchiveName(String(req.params.fileName));
    } catch (error) {
      answerRouteError(res, 400, 'BAD_USER_INPUT', (error as BadUserInputError).message);
      return;
    }
    // Sent from its folder as root: a folder with a dot in its path (the default, .data/log-archives) is the
    // operator's choice, not a hidden file the sender should refuse; the name itself was checked above.
    const options = { root: path.resolve(archiveDir), headers: { 'content-type': 'application/gzip', 'content-disposition': `attachment; filename="${fileName}"` } };
    res.sendFile(fileName, options, (error) => {
      if (error && !res.headersSent) answerRouteError(res, 404, 'NOT_FOUND', 'No such archive');
    });
  });
}
