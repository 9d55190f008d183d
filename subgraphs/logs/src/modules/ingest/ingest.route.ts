import express, { Express, RequestHandler } from 'express';
import { v7 as timeOrderedUuid } from 'uuid';
import { LOG_BATCH_HEADER, LOG_INGEST_PATH, LOG_SHIPPING_TOKEN_HEADER, Logger, LogShippingVerifier } from '@herck/common';
import { LogArchiver } from '../archive/log-archiver';
import { LogStore, StoredLogEntry } from '../store/log-store';
import { entryIdsFor, parseLogLine } from './log-line';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The largest batch a shipper may send (they send 1 MiB at most). */
const MAX_BATCH = '8mb';

/**
 * Where every process ships its entries (newline-delimited JSON), with a token
 * naming the shipping service. Answers once the batch is stored; a batch over
 * a service's threshold starts its archiving afterwards.
 */
export function serveLogIngest(app: Express, store: LogStore, verifier: LogShippingVerifier, archiver: LogArchiver, logger: Logger): void {
  // The token is checked before the body is read: no one without it makes logs parse 8 MB.
  const shipper: RequestHandler = (req, res, next) => {
    const service = verifier.verify(req.header(LOG_SHIPPING_TOKEN_HEADER));
    if (!service) return void res.status(401).json({ error: 'A log-shipping token is required' });
    res.locals.service = service;
    next();
  };
  app.post(LOG_INGEST_PATH, shipper, express.text({ type: () => true, limit: MAX_BATCH }), async (req, res) => {
    const service = res.locals.service as string;
    const batchId = req.header(LOG_BATCH_HEADER);
    const idFor = batchId && UUID.test(batchId) ? entryIdsFor(batchId, service) : () => timeOrderedUuid();
    if (typeof req.body !== 'string') {
      res.status(400).json({ error: 'Send newline-delimited JSON' });
      return;
    }
    const now = new Date();
    const entries: StoredLogEntry[] = [];
    let rejected = 0;
    for (const [index, line] of req.body.split('\n').entries()) {
      if (!line.trim()) continue;
      const entry = parsedOrNull(line, service, now, idFor(index), logger);
      if (entry) entries.push(entry);
      else rejected++;
    }
    try {
      await store.insert(entries);
    } catch (error) {
      // Not at error level: this line would be shipped here again while the store is failing.
      logger.warn('log batch not stored', { shippedBy: service, entries: entries.length, error });
      res.status(503).json({ error: 'The log store is unavailable; retry later' });
      return;
    }
    res.json({ accepted: entries.length, rejected });
    if (entries.length) void archiver.check([service]);
  });
}

/**
 * A line that could not be read for a reason nobody foresaw is that line's refusal, not the batch's:
 * a batch answered 500 is sent again for ever by its shipper, and every later line of its process waits behind it.
 */
function parsedOrNull(line: string, service: string, now: Date, id: string, logger: Logger): StoredLogEntry | null {
  try {
    return parseLogLine(line, service, now, id);
  } catch (error) {
    logger.warn('log line refused: it could not be read', { shippedBy: service, error });
    return null;
  }
}
