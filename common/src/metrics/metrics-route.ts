import { createHash, timingSafeEqual } from 'node:crypto';
import { RequestHandler } from 'express';
import { MetricsRegistry } from './metrics-registry';

/**
 * `GET /metrics`: the registry in Prometheus' text format. With a `token`, only
 * a request carrying `Authorization: Bearer <token>` is answered (401 otherwise);
 * without one it is open to whoever reaches the port.
 */
export function metricsRoute(metrics: MetricsRegistry, token?: string): RequestHandler {
  const expected = token ? digest(token) : undefined;
  return async (req, res) => {
    if (expected) {
      const presented = /^Bearer\s+(.+)$/i.exec(req.header('authorization') ?? '')?.[1]?.trim();
      // Digests have one length, so the comparison takes the same time whatever was presented.
      if (!presented || !timingSafeEqual(digest(presented), expected)) {
        res.status(401).set('WWW-Authenticate', 'Bearer').type('text/plain').send('Unauthorized\n');
        return;
      }
    }
    const body = await metrics.exposition();
    // Written as is: Express's `send` would reorder the content type's parameters.
    res.status(200).setHeader('Content-Type', metrics.contentType).setHeader('Cache-Control', 'no-store').end(body);
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
