import Decimal from 'decimal.js';
import { ProviderError, ProviderTimeout } from './market-provider';
import { dig } from './provider-json';

/** How long one request may take, answer body included, unless a provider is told otherwise. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** What every HTTP provider is constructed with. */
export interface HttpProviderOptions {
  /** Scheme, host and optional path prefix (a proxy); the provider's public API when omitted. */
  baseUrl?: string;
  apiKey?: string;
  timeoutMs?: number;
}

/** One GET for a JSON document. */
export interface JsonRequest {
  provider: string;
  baseUrl: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  timeoutMs: number;
  signal: AbortSignal;
  /** The provider's own error message when `body` is an error document, else null. */
  errorIn(body: unknown): string | null;
}

/** A provider answered with an HTTP error or an error document; keeps the status and body for callers that recover. */
export class ProviderHttpError extends ProviderError {
  constructor(
    provider: string,
    message: string,
    readonly status: number,
    readonly body: unknown,
    retryAfterSeconds: number | null,
  ) {
    // A server error may pass; a refusal (a bad key, an unknown symbol, a 429) would be refused again.
    super(provider, message, retryAfterSeconds, retryAfterSeconds === null && (status >= 500 || status === 408));
    this.name = 'ProviderHttpError';
  }
}

/** Statuses whose Retry-After says when to come back (Binance sends it with 418, its ban after ignored 429s). */
const RETRY_AFTER_STATUSES = new Set([418, 429, 503]);
const MESSAGE_LIMIT = 300;

/**
 * GETs `request.path` and returns the parsed JSON. Every failure is a
 * ProviderError: network error, timeout (the whole exchange, body included,
 * bounded by `timeoutMs`), HTTP error (with the provider's message and, for
 * 429, Retry-After), error document in a 2xx answer, or a body that is not
 * JSON. When the caller's own signal aborts, its reason is thrown as it is:
 * a cancelled round is not the provider's failure; a {@link ProviderTimeout}
 * is, and becomes a ProviderError naming this request.
 */
export async function fetchJson(request: JsonRequest): Promise<unknown> {
  const { provider, path, timeoutMs, signal } = request;
  const where = `GET ${path}`;
  const callerAbort = () => (signal.reason instanceof ProviderTimeout ? new ProviderError(provider, `${where} ${signal.reason.message}`) : signal.reason);
  if (signal.aborted) throw callerAbort();
  // One controller per request, tied to the caller's signal by a listener removed
  // afterwards. AbortSignal.any([signal, timeout]) would be shorter, but every
  // combined signal fetch listens to stays attached to a long-lived caller signal
  // (nodejs/node#55351, #64476), and rounds run for the life of the process.
  const controller = new AbortController();
  const forwardAbort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', forwardAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await fetch(endpointUrl(request.baseUrl, path, request.query), {
      headers: { accept: 'application/json', ...request.headers },
      signal: controller.signal,
    });
    text = await response.text();
  } catch (error) {
    if (signal.aborted) throw callerAbort();
    if (timedOut) throw new ProviderError(provider, `${where} timed out after ${timeoutMs} ms`, null, true);
    throw new ProviderError(provider, `${where} failed: ${networkReason(error)}`, null, true);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', forwardAbort);
  }
  const body = parseJson(text);
  const message = body === undefined ? null : request.errorIn(body);
  if (!response.ok) {
    const retryAfter = RETRY_AFTER_STATUSES.has(response.status) ? parseRetryAfter(response.headers.get('retry-after')) : null;
    const detail = message ? `: ${clean(message)}` : '';
    throw new ProviderHttpError(provider, `${where}: HTTP ${response.status}${detail}`, response.status, body, retryAfter);
  }
  if (body === undefined) throw new ProviderError(provider, `${where}: the answer is not JSON`);
  if (message) throw new ProviderHttpError(provider, `${where}: ${clean(message)}`, response.status, body, null);
  return body;
}

/** `baseUrl` + `path` + `query`, keeping any path prefix of `baseUrl` (new URL('/x', base) would drop it). */
export function endpointUrl(baseUrl: string, path: string, query: Record<string, string> = {}): URL {
  const url = new URL(path.replace(/^\/+/, ''), baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url;
}

/** A provider's Retry-After is honoured up to an hour: a typo or a hostile header must not switch it off for good. */
export const MAX_RETRY_AFTER_SECONDS = 3600;

/** Retry-After as seconds from `now`: either delta-seconds or an HTTP date (RFC 9110 §10.2.3); null when absent or unreadable. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | null {
  if (header === null) return null;
  const value = header.trim();
  const seconds = /^\d+$/.test(value) ? Number(value) : Math.ceil((Date.parse(value) - now) / 1000);
  return Number.isNaN(seconds) ? null : Math.min(Math.max(0, seconds), MAX_RETRY_AFTER_SECONDS);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(quoteInexactNumbers(text)) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The cheap case, most numbers: at most 15 significant digits and no exponent, in a double's
 * range, which a double always gives back exactly (a 250-coin answer took 10 ms without it).
 */
function holdsExactly(token: string): boolean {
  if (token.length > 300 || /[eE]/.test(token)) return false;
  const digits = token.replace(/[-.]/g, '').replace(/^0+/, '').replace(/0+$/, '');
  return digits.length <= 15;
}

/** A JSON string (skipped whole, so digits inside it are left alone) or a JSON number. */
const JSON_STRING_OR_NUMBER = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/**
 * JSON.parse turns every number into a double, which keeps 15 to 17 significant digits: a
 * price of 104612.123456789012345 came out as 104612.123456789, and Node 20 has no reviver
 * that sees the source text. A number the double does not hold exactly is written as a string
 * first, which the reader takes digit for digit (as it takes Binance's numeric strings); the
 * others stay numbers, so integers and error codes read as before.
 */
export function quoteInexactNumbers(text: string): string {
  return text.replace(JSON_STRING_OR_NUMBER, (token) => {
    if (token.startsWith('"') || holdsExactly(token)) return token;
    const double = Number(token);
    return Number.isFinite(double) && new Decimal(String(double)).equals(new Decimal(token)) ? token : `"${token}"`;
  });
}

/**
 * fetch reports "fetch failed" and hides the reason (ECONNREFUSED, ENOTFOUND…)
 * in `cause`. Read by shape, not instanceof: errors made in another realm (a
 * Jest sandbox, for one) are not instances of this realm's Error.
 */
function networkReason(error: unknown): string {
  const cause = dig(error, 'cause');
  const code = dig(cause, 'code');
  if (typeof code === 'string') return code;
  const message = dig(cause, 'message') ?? dig(error, 'message');
  return typeof message === 'string' ? clean(message) : 'unknown error';
}

/** Provider messages reach admins' screens: one line, printable, bounded. */
function clean(message: string): string {
  const line = message.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > MESSAGE_LIMIT ? `${line.slice(0, MESSAGE_LIMIT)}…` : line;
}
