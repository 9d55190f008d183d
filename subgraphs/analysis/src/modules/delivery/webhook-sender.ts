import http from 'node:http';
import https from 'node:https';
import { isPrivateLiteral, publicOnlyLookup } from './webhook-target';
import { signWebhook, SIGNATURE_HEADER } from './webhook-signature';

export interface WebhookResult {
  httpStatus: number | null;
  error: string | null;
}

/** Bytes of a receiver's answer read at most: the status is what matters. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** POSTs one signed webhook; resolves with the receiver's status or why there was none (never throws). */
export function postWebhook(url: string, body: string, secret: string, deliveryId: string, options: { timeoutMs: number; allowPrivate: boolean }): Promise<WebhookResult> {
  return new Promise((resolve) => {
    const target = new URL(url);
    // A name is checked as it is looked up (publicOnlyLookup); an address written in the URL is never looked up. It was
    // checked when saved, but perhaps while WEBHOOK_ALLOW_PRIVATE was on.
    if (!options.allowPrivate && isPrivateLiteral(target.hostname)) return resolve({ httpStatus: null, error: `${target.hostname.replace(/^\[|\]$/g, '')} is a loopback or private address` });
    const client = target.protocol === 'https:' ? https : http;
    const request = client.request(
      target,
      {
        method: 'POST',
        lookup: publicOnlyLookup(options.allowPrivate) as never,
        timeout: options.timeoutMs,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'Herck-Webhooks/1',
          [SIGNATURE_HEADER]: signWebhook(secret, body, Math.floor(Date.now() / 1000)),
          'Herck-Delivery': deliveryId,
        },
      },
      (response) => {
        // The status is the answer: a receiver that trickles its body after a 2xx has taken the delivery
        // (waiting for the body, the attempt was recorded as "no answer" and the receiver got it twice).
        resolve({ httpStatus: response.statusCode ?? null, error: null });
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) response.destroy();
        });
        response.on('error', () => undefined);
      },
    );
    // `timeout` only bounds idleness; a receiver trickling bytes is cut at the deadline all the same.
    const deadline = setTimeout(() => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    request.on('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    request.on('error', (error) => resolve({ httpStatus: null, error: error.message }));
    request.on('close', () => clearTimeout(deadline));
    request.end(body);
  });
}
