import { readFile } from 'node:fs/promises';
import { createServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';

/** Where recorded provider answers live: test/fixtures/<provider>/<name>.json. */
export const FIXTURES_DIR = path.join(__dirname, '..', 'fixtures');

/** What a route answers. */
export interface ReplayResponse {
  /** HTTP status; 200 when omitted. */
  status?: number;
  /** A file under the fixtures folder (e.g. 'coinmarketcap/quotes-latest.json'), sent byte for byte. */
  fixture?: string;
  /** An inline body instead of a fixture: strings are sent as they are, anything else as JSON. */
  body?: unknown;
  /** Extra response headers, e.g. { 'Retry-After': '30' }. */
  headers?: Record<string, string>;
  /** Wait this long before answering, to make a client time out. */
  delayMs?: number;
}

/** A route: a response plus what a request must look like to get it. */
export interface ReplayRoute extends ReplayResponse {
  /** Query parameters the request must carry with exactly these values; other parameters are ignored. */
  query?: Record<string, string>;
  /** Answer this many matching requests, then stand aside (for "fails once, then works"). */
  times?: number;
}

/** A request the server received. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** As Node gives them: names in lower case. */
  headers: IncomingHttpHeaders;
}

interface ActiveRoute extends ReplayRoute {
  method: string;
  path: string;
  remaining: number;
}

/**
 * A real HTTP server on 127.0.0.1 and a free port that answers configured
 * routes with recorded provider responses, for tests that exercise the
 * providers' real HTTP code. The most recently added matching route wins, so
 * a test can override a default; a request no route matches gets 404.
 *
 * ```ts
 * const server = await ReplayServer.start();
 * server.route('GET', '/v1/cryptocurrency/quotes/latest', { fixture: 'coinmarketcap/quotes-latest.json' });
 * new CoinMarketCapProvider({ baseUrl: server.url, apiKey: 'test-key' });
 * server.requests; // what the provider sent
 * await server.stop();
 * ```
 */
export class ReplayServer {
  /** Every request received since start or the last reset, oldest first. */
  readonly requests: RecordedRequest[] = [];
  private routes: ActiveRoute[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    /** Base URL to give a provider, e.g. http://127.0.0.1:41234. */
    readonly url: string,
    private readonly fixturesDir: string,
  ) {}

  static async start(options: { fixturesDir?: string } = {}): Promise<ReplayServer> {
    let replay: ReplayServer | undefined;
    const server = createServer((request, response) => {
      replay?.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(`replay server error: ${error instanceof Error ? error.message : String(error)}`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    replay = new ReplayServer(server, `http://127.0.0.1:${port}`, options.fixturesDir ?? FIXTURES_DIR);
    return replay;
  }

  /** Answers `method` `path` (no query string) with `route`. */
  route(method: string, path: string, route: ReplayRoute): this {
    this.routes.unshift({ ...route, method: method.toUpperCase(), path, remaining: route.times ?? Infinity });
    return this;
  }

  /** The requests received for `path`. */
  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  /** Forgets every route and recorded request (between tests). */
  reset(): void {
    this.routes = [];
    this.requests.length = 0;
  }

  /** Stops listening, drops open connections (delayed answers included) and waits until closed. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await new Promise<void>((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeAllConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: request.headers,
    };
    this.requests.push(recorded);
    request.resume();
    const route = this.routes.find((candidate) => matches(candidate, recorded));
    if (!route) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: `no replay route for ${recorded.method} ${url.pathname}${url.search}` }));
      return;
    }
    route.remaining--;
    const body = await this.body(route);
    if (route.delayMs) await this.wait(route.delayMs);
    // The client may have given up (timed out) while we waited.
    if (response.destroyed) return;
    const headers = Object.fromEntries(Object.entries(route.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
    response.writeHead(route.status ?? 200, { 'content-type': contentType(route), ...headers });
    response.end(body);
  }

  private async body(route: ReplayResponse): Promise<string | Buffer> {
    if (route.fixture !== undefined) return readFile(path.join(this.fixturesDir, route.fixture));
    if (route.body === undefined) return '';
    return typeof route.body === 'string' ? route.body : JSON.stringify(route.body);
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}

function matches(route: ActiveRoute, request: RecordedRequest): boolean {
  if (route.remaining <= 0 || route.method !== request.method || route.path !== request.path) return false;
  return Object.entries(route.query ?? {}).every(([name, value]) => request.query[name] === value);
}

function contentType(route: ReplayResponse): string {
  const json = route.fixture?.endsWith('.json') || (route.body !== undefined && typeof route.body !== 'string');
  return json ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8';
}
