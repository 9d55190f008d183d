import express, { Express } from 'express';
import { LOG_INGEST_PATH, LOG_SHIPPING_TOKEN_HEADER, Logger, LogShippingVerifier } from '@herck/common';
import { LogArchiver } from '../archive/log-archiver';
import { LogStore, StoredLogEntry } from '../store/log-store';
import { parseLogLine } from './log-line';

/** The largest batch a shipper may send (they send 1 MiB at most). */
const MAX_BATCH = '8mb';

/**
 * Where every process ships its entries (newline-delimited JSON), with a token
 * naming the shipping service. Answers once the batch is stored; a batch over
 * a service's threshold starts its archiving afterwards.
 */
export function serveLogIngest(app: Express, store: LogStore, verifier: LogShippingVerifier, archiver: LogArchiver, logger: Logger): void {
  app.post(LOG_INGEST_PATH, express.text({ type: () => true, limit: MAX_BATCH }), async (req, res) => {
    const service = verifier.verify(req.header(LOG_SHIPPING_TOKEN_HEADER));
    if (!service) {
      res.status(401).json({ error: 'A log-shipping token is required' });
      return;
    }
    if (typeof req.body !== 'string') {
      res.status(400).json({ error: 'Send newline-delimited JSON' });
      return;
    }
    const now = new Date();
    const entries: StoredLogEntry[] = [];
    let rejected = 0;
    for (const line of req.body.split('\n')) {
      if (!line.trim()) continue;
      const entry = parseLogLine(line, service, now);
      if (entry) entries.push(entry);
      else rejected++;
    }
    try {
      await store.insert(entries);
    } catch (error) {
      // Not at error level: this line would be shipped here again while the store is failing.
      logger.warn('log batch not stored', { service, entries: entries.length, error });
      res.status(503).json({ error: 'The log store is unavailable; retry later' });
      return;
    }
    res.json({ accepted: entries.length, rejected });
    if (entries.length) void archiver.check([service]);
  });
}
