import bytes from 'bytes';
import express from 'express';
import { PlainHandler } from './plain-http';

/** The media types a GraphQL POST is sent with, read here without body-parser's machinery. */
const PLAIN_JSON = /^application\/json\s*(;\s*charset=utf-8\s*)?$/i;

/**
 * Parses JSON bodies up to `limit`, as `express.json` does and with its errors
 * (413 `entity.too.large`, 400 `entity.parse.failed`). The common case — an
 * uncompressed UTF-8 `application/json` body of a declared length — is read
 * here directly: body-parser's content negotiation, charset decoding and
 * stream plumbing cost a GraphQL request more than its own execution. Anything
 * else (compressed, chunked, another charset or type) goes to `express.json`.
 */
export function jsonBodies(limit: string): PlainHandler {
  // Body-parser reads Node's own request (it is connect middleware).
  const general: PlainHandler = express.json({ limit });
  const maxBytes = bytes.parse(limit) ?? 100 * 1024;
  return (req, res, next) => {
    const type = req.headers['content-type'];
    const length = Number(req.headers['content-length']);
    const encoding = req.headers['content-encoding'];
    if (req.method !== 'POST' || !type || !PLAIN_JSON.test(type) || (encoding && encoding !== 'identity') || !Number.isInteger(length) || length < 0) {
      return general(req, res, next);
    }
    if (length > maxBytes) return next(bodyError(413, 'entity.too.large', 'request entity too large'));
    const chunks: Buffer[] = [];
    let received = 0;
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      req.removeListener('data', onData);
      // Read what remains so the connection can serve the next request.
      req.resume();
      next(error);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > length || received > maxBytes) fail(bodyError(413, 'entity.too.large', 'request entity too large'));
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('error', (error) => fail(bodyError(400, 'request.aborted', error.message)));
    req.once('end', () => {
      if (failed) return;
      if (received !== length) return fail(bodyError(400, 'request.size.invalid', 'request size did not match content length'));
      // A byte-order mark before the JSON is no part of it, as body-parser (used for other charsets) reads it.
      const text = Buffer.concat(chunks, received).toString('utf8').replace(/^\uFEFF/, '');
      if (text.length === 0) req.body = {};
      else {
        let body: unknown;
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          return fail(bodyError(400, 'entity.parse.failed', 'invalid JSON body'));
        }
        // Like body-parser's strict mode: only an object or an array is a JSON body; another value is refused as such.
        if (typeof body !== 'object' || body === null) return fail(Object.assign(bodyError(400, 'entity.parse.failed', 'JSON body is no object'), { validJson: true }));
        req.body = body;
      }
      next();
    });
  };
}

/** An error shaped as body-parser's, which the service's error handlers already answer. */
function bodyError(status: number, type: string, message: string): Error {
  return Object.assign(new Error(message), { status, statusCode: status, type, expose: true });
}
