import path from 'node:path';
import { Express, RequestHandler } from 'express';
import { BadUserInputError, hasAnyRole, InternalCaller, LOG_ARCHIVE_INTERNAL_PATH } from '@herck/common';
import { requireArchiveName } from './archive-file';

/** Where the gateway fetches an archive for an admin (the gateway's /logs/archives/<fileName>). */
const ARCHIVE_ROUTE = `${LOG_ARCHIVE_INTERNAL_PATH}/:fileName`;

export function serveArchiveDownloads(app: Express, archiveDir: string, gatewayOnly: RequestHandler): void {
  app.get(ARCHIVE_ROUTE, gatewayOnly, (req, res) => {
    const { identity } = res.locals.caller as InternalCaller;
    if (!hasAnyRole(identity, ['ADMIN'])) {
      res.status(403).json({ errors: [{ message: 'Only admins may download log archives', extensions: { code: 'FORBIDDEN' } }] });
      return;
    }
    let fileName: string;
    try {
      fileName = requireArchiveName(String(req.params.fileName));
    } catch (error) {
      res.status(400).json({ errors: [{ message: (error as BadUserInputError).message, extensions: { code: 'BAD_USER_INPUT' } }] });
      return;
    }
    res.sendFile(path.join(archiveDir, fileName), { headers: { 'content-type': 'application/gzip', 'content-disposition': `attachment; filename="${fileName}"` } }, (error) => {
      if (error && !res.headersSent) res.status(404).json({ errors: [{ message: 'No such archive', extensions: { code: 'NOT_FOUND' } }] });
    });
  });
}
