import { createHash, createPrivateKey, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net, { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, createClient } from 'graphql-ws';
import jwt from 'jsonwebtoken';
import WebSocket from 'ws';
import { GraphQLFormattedError } from 'graphql';
import { INTERNAL_TOKEN_HEADER, parsePrometheusText, sampleValue, SIGNING_ALGORITHM, signingKeyFrom } from '@herck/common';
import { RunningGateway } from '@herck/gateway';
import { SharedSubscriptions } from '../../gateway/src/live/shared-subscriptions';
import { send, sendRaw } from './support/graphql-client';
import { LogoutDocument, TrackAssetDocument, UntrackAssetDocument } from './support/operations.generated';
import { TestPlatform, startTestPlatform } from './support/platform';
import { ADMIN_PASSWORD, adminEnv, eventually, logIn, signUp, SignedUpUser } from './support/users';
import { testRedis } from './support/test-redis';

const ADMIN_EMAIL = 'live-admin@example.com';
const TICKS = 'subscription { ticks(symbols: ["BTC","ETH"]) { symbol price time asset { name } global { btcDominance } } }';

interface TickEvent {
  ticks: { symbol: string; price: string; time: string; asset: { name: string }; global: { btcDominance: string | null } | null }[];
}
interface Event<T> {
  data?: T | null;
  errors?: readonly GraphQLFormattedError[];
}

let platform: TestPlatform;
let user: SignedUpUser;
const clients: Client[] = [];

beforeAll(async () => {
  platform = await startTestPlatform({ MARKET_INTERVAL_SECONDS: '1', SESSION_CHECK_SECONDS: '1', ...adminEnv(ADMIN_EMAIL) }, { market: {} });
  await eventually(async () => platform.market!.snapshot.time !== null, 30_000);
  user = await signUp(platform);
}, 120_000);
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  rawSockets.forEach((socket) => socket.terminate());
  await platform?.stop();
  await Promise.all(proxies.map((proxy) => proxy.stop()));
}, 60_000);

const wsUrl = (gateway: RunningGateway = platform.gateway) => gateway.url.replace(/^http/, 'ws');

interface Connection {
  client: Client;
  /** Resolves with the close code once the gateway (or the client) closes the socket. */
  closed: Promise<number>;
}

/** A real graphql-ws client of the gateway, connected at once (`headers` go on its handshake). */
function connect(connectionParams: Record<string, unknown> = {}, gateway?: RunningGateway, headers?: Record<string, string>): Connection {
  let closedWith: (code: number) => void = () => undefined;
  const closed = new Promise<number>((resolve) => (closedWith = resolve));
  const client = createClient({
    url: wsUrl(gateway),
    webSocketImpl: headers ? socketWithHeaders(headers) : WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams,
    onNonLazyError: () => undefined,
    on: { closed: (event) => closedWith((event as { code: number }).code) },
  });
  clients.push(client);
  return { client, closed };
}

/** The `ws` WebSocket, sending `headers` with its handshake (as a proxy in front of the gateway would). */
function socketWithHeaders(headers: Record<string, string>): new (url: string, protocols?: string | string[]) => WebSocket {
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  };
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const BY_SYMBOL = 'subscription ($symbols: [String!]) { ticks(symbols: $symbols) { symbol price } }';

/** The platform's key for internal tokens, which a production gateway must be given. */
const productionEnv = () => ({
  NODE_ENV: 'production',
  INTERNAL_TOKEN_PRIVATE_KEY: fs.readFileSync(path.join(platform.env.HERCK_DATA_DIR!, 'keys', 'internal-token.pem'), 'utf8'),
});

/** The first `count` events of a subscription (each with its data and errors), then unsubscribes. */
function firstEvents<T>(client: Client, query: string, count: number, variables?: Record<string, unknown>): Promise<Event<T>[]> {
  return new Promise((resolve, reject) => {
    const events: Event<T>[] = [];
    const unsubscribe = client.subscribe<T>({ query, variables }, {
      next: (result) => {
        events.push(result as Event<T>);
        if (events.length === count) {
          unsubscribe();
          resolve(events);
        }
      },
      error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
      complete: () => reject(new Error(`completed after ${events.length} events`)),
    });
  });
}

/** The `error` message the gateway answers an operation with (rejects if it delivers anything instead). */
function failure(client: Client, query: string, variables?: Record<string, unknown>): Promise<GraphQLFormattedError[]> {
  return new Promise((resolve, reject) => {
    client.subscribe({ query, variables }, {
      next: (result) => reject(new Error(`unexpected result ${JSON.stringify(result)}`)),
      error: (error) => (Array.isArray(error) ? resolve(error as GraphQLFormattedError[]) : reject(error instanceof Error ? error : new Error(String(error)))),
      complete: () => reject(new Error('completed without an error')),
    });
  });
}

/**
 * Keeps a ticks subscription running on `client` (graphql-ws's client closes
 * its socket once no operation is left); resolves at its first event.
 */
function streaming(client: Client, query = TICKS, variables?: Record<string, unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    client.subscribe({ query, variables }, { next: () => resolve(), error: (error) => reject(new Error(`subscription failed: ${JSON.stringify(error)} ${String((error as { code?: number }).code)}`)), complete: () => undefined });
  });
}

/** One query or mutation over the socket. */
function single<T>(client: Client, query: string): Promise<Event<T>> {
  return firstEvents<T>(client, query, 1).then(([event]) => event!);
}

/**
 * How long a token lives that must see its subscriptions' first events before it expires: connecting,
 * starting and a round's events took over 3 s on a loaded two-core machine (the subscription then
 * failed with 4403 before its first event).
 */
const EXPIRING_TOKEN_SECONDS = 8;

/** The access token's claims signed again with auth's key, with another expiry: a genuine token that expires soon. */
function tokenExpiringIn(accessToken: string, seconds: number): string {
  const keyFile = path.join(platform.env.HERCK_DATA_DIR!, 'keys', 'auth-signing.pem');
  const key = signingKeyFrom(createPrivateKey(fs.readFileSync(keyFile, 'utf8')));
  const claims = jwt.decode(accessToken, { json: true })!;
  return jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) + seconds }, key.privateKey, { algorithm: SIGNING_ALGORITHM, keyid: key.kid });
}

interface RawSocket {
  /** Resolves with the next message the gateway sends, parsed. */
  next(): Promise<{ type: string; id?: string; payload?: unknown }>;
  send(message: string): void;
  /** Resolves with the close code once the socket is closed. */
  closed: Promise<number>;
  /** Drops the connection without a closing handshake. */
  terminate(): void;
}
const rawSockets: WebSocket[] = [];

/** A bare graphql-transport-ws socket to the gateway, open and with nothing sent, for what no client library sends. */
async function rawSocket(gateway: RunningGateway, headers?: Record<string, string>): Promise<RawSocket> {
  const socket = new WebSocket(wsUrl(gateway), 'graphql-transport-ws', { headers });
  rawSockets.push(socket);
  const received: string[] = [];
  const waiting: ((message: string) => void)[] = [];
  socket.on('message', (data) => {
    const message = String(data);
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else received.push(message);
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    next: async () => JSON.parse(received.shift() ?? (await new Promise<string>((resolve) => waiting.push(resolve)))) as { type: string; id?: string; payload?: unknown },
    send: (message) => socket.send(message),
    closed,
    terminate: () => socket.terminate(),
  };
}

/** A `subscribe` message whose operation (its payload, what an HTTP body holds) is exactly `bytes` bytes, running `{ __typename }` (a comment pads it). */
function subscribeMessageOf(bytes: number, id: string): string {
  const payload = (padding: number) => ({ query: `{ __typename } #${'x'.repeat(padding)}` });
  const padding = bytes - JSON.stringify(payload(0)).length;
  expect(padding).toBeGreaterThanOrEqual(0);
  return JSON.stringify({ id, type: 'subscribe', payload: payload(padding) });
}

interface RecordingProxy {
  url: string;
  /** The client address (`cip`) named by the internal token of each request passed on, in order. */
  clients: (string | null)[];
  stop(): Promise<void>;
}
const proxies: RecordingProxy[] = [];

/** An HTTP hop in front of a subgraph that notes the client address the gateway vouches for, then passes the request on. */
async function recordingProxy(subgraphUrl: string): Promise<RecordingProxy> {
  const clients: (string | null)[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      // Operations only: the gateway's status probes (/readyz, /internal/status) name no client.
      if (req.method === 'POST') {
        const token = req.headers[INTERNAL_TOKEN_HEADER] as string | undefined;
        const claims = token ? jwt.decode(token, { json: true }) : null;
        clients.push(typeof claims?.cip === 'string' ? claims.cip : null);
      }
      const headers = Object.fromEntries(['content-type', 'accept', INTERNAL_TOKEN_HEADER].flatMap((name) => (req.headers[name] ? [[name, String(req.headers[name])]] : [])));
      fetch(new URL(req.url ?? '/graphql', subgraphUrl), { method: req.method, headers, ...(req.method === 'POST' && { body: Buffer.concat(chunks) }) })
        .then(async (answer) => {
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
          res.end(await answer.text());
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    clients,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  proxies.push(proxy);
  return proxy;
}

describe('federated subscriptions through the gateway (graphql-ws on /graphql)', () => {
  it("delivers each round's ticks for two symbols to a USER, with the nested fields", async () => {
    const { client } = connect(bearer(user.accessToken));
    const events = await firstEvents<TickEvent>(client, TICKS, 2);
    for (const event of events) {
      expect(event.errors).toBeUndefined();
      expect(event.data!.ticks.map((tick) => tick.symbol)).toEqual(['BTC', 'ETH']);
      expect(event.data!.ticks[0]!.asset.name).toEqual(expect.any(String));
      expect(event.data!.ticks[0]!.price).toMatch(/^\d+(\.\d+)?$/);
      expect(event.data!.ticks[0]).toHaveProperty('global');
    }
    expect(new Date(events[1]!.data!.ticks[0]!.time) > new Date(events[0]!.data!.ticks[0]!.time)).toBe(true);
  }, 30_000);

  it('times each round at market, from its boundary to its publication, and each event at the gateway, from its query plan to its last socket', async () => {
    const timings = async () => {
      const scrape = async (graphqlUrl: string) => parsePrometheusText(await (await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'))).text());
      const [market, gateway] = await Promise.all([scrape(platform.market!.url), scrape(platform.gatewayUrl)]);
      return {
        rounds: sampleValue(market, 'herck_market_round_published_seconds_count') ?? 0,
        roundSeconds: sampleValue(market, 'herck_market_round_published_seconds_sum') ?? 0,
        events: sampleValue(gateway, 'herck_ws_event_delivery_seconds_count', { subgraph: 'market' }) ?? 0,
        eventSeconds: sampleValue(gateway, 'herck_ws_event_delivery_seconds_sum', { subgraph: 'market' }) ?? 0,
      };
    };
    const before = await timings();
    const { client } = connect(bearer(user.accessToken));
    await firstEvents<TickEvent>(client, TICKS, 2);
    const after = await timings();
    // Each event the client got is a round market published and an event the gateway delivered.
    expect(after.rounds - before.rounds).toBeGreaterThanOrEqual(2);
    expect(after.events - before.events).toBeGreaterThanOrEqual(2);
    // Published after its boundary and before the next one (rounds are a second apart here); delivered within that too.
    const meanRound = (after.roundSeconds - before.roundSeconds) / (after.rounds - before.rounds);
    const meanEvent = (after.eventSeconds - before.eventSeconds) / (after.events - before.events);
    expect({ meanRound: meanRound > 0 && meanRound < 1, meanEvent: meanEvent > 0 && meanEvent < 1 }).toEqual({ meanRound: true, meanEvent: true });
  }, 30_000);

  it('accepts the token as `authorization` and under `headers`, runs queries and mutations with the same identity', async () => {
    for (const params of [{ authorization: `Bearer ${user.accessToken}` }, { headers: bearer(user.accessToken) }]) {
      const { client } = connect(params);
      const me = await single<{ me: { id: string } }>(client, '{ me { id } }');
      expect(me.data?.me.id).toBe(user.accountId);
    }
    const { client } = connect(bearer(user.accessToken));
    const updated = await single<{ updateAccount: { firstName: string } }>(client, 'mutation { updateAccount(input: { firstName: "Socket" }) { firstName } }');
    expect(updated.data?.updateAccount.firstName).toBe('Socket');
  }, 30_000);

  it('runs persisted queries (their hash alone, once known) as over HTTP, and refuses a hash that is not its query\'s', async () => {
    const query = `{ __typename me { id } } # ${randomBytes(4).toString('hex')}`;
    const persisted = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } });
    const hash = createHash('sha256').update(query).digest('hex');
    const socket = await rawSocket(platform.gateway);
    socket.send(JSON.stringify({ type: 'connection_init', payload: bearer(user.accessToken) }));
    expect((await socket.next()).type).toBe('connection_ack');
    type Answer = { type: string; id?: string; payload?: { data?: { me?: { id: string } }; extensions?: { code?: string } }[] | { data?: { me?: { id: string } } } };
    /** The `next` or `error` answering `id` (an answer's `complete` is passed over). */
    const ask = async (id: string, payload: Record<string, unknown>): Promise<Answer> => {
      socket.send(JSON.stringify({ id, type: 'subscribe', payload }));
      for (;;) {
        const message = (await socket.next()) as Answer;
        if (message.id === id && message.type !== 'complete') return message;
      }
    };
    const codeOf = (message: Awaited<ReturnType<typeof ask>>) => (Array.isArray(message.payload) ? message.payload.map((error) => error.extensions?.code) : message.type);
    expect(codeOf(await ask('1', { query: '', extensions: persisted(hash) }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    const overHttp = await sendRaw(platform.gatewayUrl, { extensions: persisted(hash) }, user.accessToken);
    expect(overHttp.errors?.map((error) => error.extensions?.code)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(((await ask('2', { query, extensions: persisted(hash) })).payload as { data?: { me?: { id: string } } }).data?.me?.id).toBe(user.accountId);
    const three = await ask('3', { query: '', extensions: persisted(hash) });
    expect((three.payload as { data?: { me?: { id: string } } }).data?.me?.id).toBe(user.accountId);
    expect(codeOf(await ask('4', { query: '{ __typename }', extensions: persisted(hash) }))).toEqual(['BAD_REQUEST']);
    // A subscription found by its hash alone (registered with a query of its document) is refused, not run or failed.
    const withSubscription = `query Q { __typename } subscription S { ticks(symbols: ["BTC"]) { symbol } } # ${randomBytes(4).toString('hex')}`;
    const subscriptionHash = createHash('sha256').update(withSubscription).digest('hex');
    await ask('5', { query: withSubscription, operationName: 'Q', extensions: persisted(subscriptionHash) });
    expect(codeOf(await ask('6', { query: '', operationName: 'S', extensions: persisted(subscriptionHash) }))).toEqual(['BAD_REQUEST']);
  }, 30_000);

  it('closes with 4403 for an invalid or expired token; without one the caller is anonymous', async () => {
    expect(await connect(bearer('not-a-token')).closed).toBe(4403);
    expect(await connect({ Authorization: 'Basic abc' }).closed).toBe(4403);
    expect(await connect(bearer(tokenExpiringIn(user.accessToken, -60))).closed).toBe(4403);
    // An Authorization that is no text is a bad token, not an absent one.
    expect(await connect({ Authorization: 42 }).closed).toBe(4403);
    expect(await connect({ headers: { authorization: { token: user.accessToken } } }).closed).toBe(4403);
    // Its name in any case, as HTTP's header names: a good token is still the user's.
    const shouted = connect({ AUTHORIZATION: `Bearer ${user.accessToken}` });
    const own = await single<{ me: { id: string } }>(shouted.client, '{ me { id } }');
    expect(own.data?.me.id).toBe(user.accountId);

    const anonymous = connect();
    const errors = await failure(anonymous.client, TICKS);
    expect(errors.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    // The operation failed, not the connection: it still serves public data.
    const typename = await single<{ __typename: string }>(anonymous.client, '{ __typename }');
    expect(typename.data?.__typename).toBe('Query');
    const me = await single<{ me: unknown }>(anonymous.client, '{ me { id } }');
    expect(me.data?.me ?? null).toBeNull();
  }, 30_000);

  it('closes with 4403 soon after the session is logged out, well before the token expires', async () => {
    const session = await logIn(platform, user.username, user.password);
    const { client, closed } = connect(bearer(session.accessToken));
    await firstEvents(client, TICKS, 1);
    await send(platform.gatewayUrl, LogoutDocument, { refreshToken: session.refreshToken });
    // The gateway re-checks open sockets' sessions every SESSION_CHECK_SECONDS (1 s here).
    expect(await closed).toBe(4403);
  }, 30_000);

  it('delivers each update of the current candle through the gateway', async () => {
    const { client } = connect(bearer(user.accessToken));
    const events = await firstEvents<{ candles: { symbol: string; interval: string; openTime: string; tickCount: number; closed: boolean } }>(
      client,
      'subscription { candles(symbol: "BTC", interval: H1) { symbol interval openTime tickCount closed } }',
      2,
    );
    const [first, second] = events.map((event) => event.data!.candles);
    expect([first!.symbol, first!.interval]).toEqual(['BTC', 'H1']);
    // Across an hour's end the second may be the first's close (no new tick) or the next hour's candle.
    const progressed = second!.openTime === first!.openTime ? second!.tickCount > first!.tickCount || (second!.closed && !first!.closed) : second!.openTime > first!.openTime;
    expect({ first, second, progressed }).toEqual({ first, second, progressed: true });
  }, 30_000);

  it('answers a subscription to an asset the platform does not know, or no longer tracks, with NOT_FOUND, then completes it', async () => {
    // Known, but untracked: it keeps its history for queries and gets no new ticks.
    const admin = await logIn(platform, ADMIN_EMAIL, ADMIN_PASSWORD);
    expect((await send(platform.gatewayUrl, TrackAssetDocument, { symbol: 'XYZQ', name: 'Xyz' }, admin.accessToken)).errors).toBeUndefined();
    expect((await send(platform.gatewayUrl, UntrackAssetDocument, { symbol: 'XYZQ' }, admin.accessToken)).data?.untrackAsset).toBe(true);
    const { client } = connect(bearer(user.accessToken));
    for (const query of [
      'subscription { candles(symbol: "NOPE", interval: M1) { symbol } }',
      'subscription { ticks(symbols: ["BTC", "NOPE"]) { symbol } }',
      'subscription { candles(symbol: "XYZQ", interval: M1) { symbol } }',
      'subscription { ticks(symbols: ["BTC", "xyzq"]) { symbol } }',
    ]) {
      const results: { errors?: readonly GraphQLFormattedError[] }[] = [];
      await new Promise<void>((resolve, reject) =>
        client.subscribe({ query }, { next: (result) => void results.push(result), error: reject, complete: resolve }),
      );
      expect(results.map((result) => result.errors?.map((error) => error.extensions?.code))).toEqual([['NOT_FOUND']]);
    }
  }, 30_000);

  it('answers ticks for an empty list of symbols (it would never emit) with BAD_USER_INPUT, then completes it', async () => {
    const { client } = connect(bearer(user.accessToken));
    const results: { errors?: readonly GraphQLFormattedError[] }[] = [];
    await new Promise<void>((resolve, reject) =>
      client.subscribe({ query: 'subscription { ticks(symbols: []) { symbol } }' }, { next: (result) => void results.push(result), error: reject, complete: resolve }),
    );
    // The message names the argument, as every BAD_USER_INPUT's does (README, "Live data").
    expect(results.map((result) => result.errors?.map((error) => [error.extensions?.code, error.extensions?.field, error.message]))).toEqual([
      [['BAD_USER_INPUT', 'symbols', 'symbols is an empty list: name at least one symbol, or leave symbols out for every tracked one']],
    ]);
  }, 30_000);

  it('closes with 4403 when the access token expires while connected', async () => {
    const { client, closed } = connect(bearer(tokenExpiringIn((await logIn(platform, user.username, user.password)).accessToken, 3)));
    client.subscribe({ query: TICKS }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    const started = Date.now();
    expect(await closed).toBe(4403);
    expect(Date.now() - started).toBeGreaterThan(1_000);
  }, 20_000);

  it('applies the HTTP limits to subscriptions, queries and unknown fields', async () => {
    const { client } = connect(bearer(user.accessToken));
    const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: symbol`).join(' ');
    const overAliases = await failure(client, `subscription { ticks(symbols: ["BTC"]) { ${aliases} } }`);
    expect(overAliases[0]!.message).toMatch(/alias/i);
    const unknown = await failure(client, 'subscription { ticks { nope } }');
    expect(unknown[0]!.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    // A value written in the document that its type refuses is bad input naming its field, as over HTTP.
    const badLiteral = await failure(client, 'subscription { candles(symbol: "BTC", interval: X9) { symbol } }');
    expect(badLiteral.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'interval']]);
    const badQueryLiteral = await failure(client, '{ ticks(symbol: "BTC", first: "ten") { nodes { price } } }');
    expect(badQueryLiteral.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'first']]);
    // A page given in a variable is costed as the variables ask for it, for a subscription's events and a query alike.
    const pages = 'subscription ($n: Int) { ticks(symbols: ["BTC"]) { asset { candles(interval: M1, first: $n) { nodes { open } } } } }';
    for (const document of [pages, 'query ($n: Int) { assets(first: $n) { nodes { candles(interval: M1, first: $n) { nodes { open } } } } }']) {
      const tooCostly = await failure(client, document, { n: 1000 });
      expect(tooCostly.map((error) => [error.extensions?.code, /^Query Cost limit of 100000 exceeded/.test(error.message)])).toEqual([['GRAPHQL_VALIDATION_FAILED', true]]);
    }
    const syntax = await failure(client, 'subscription {');
    expect(syntax[0]!.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    // A query over the limit is refused by Apollo Server's pipeline, as over HTTP, before it runs:
    // an `error` message, as graphql-ws sends every error that comes before execution.
    const query = await failure(client, `{ marketSnapshot { ${aliases.replace(/symbol/g, 'time')} } }`);
    expect(query[0]!.message).toMatch(/alias/i);
    expect((await failure(client, '{ nope }'))[0]!.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    // A document with no operation to run answers in HTTP's words and codes.
    for (const [payload, body] of [
      [{ query: 'query A { __typename }', operationName: 'B' }, { query: 'query A { __typename }', operationName: 'B' }],
      [{ query: 'query A { __typename } query B { __typename }' }, { query: 'query A { __typename } query B { __typename }' }],
      [{ query: 'fragment F on Query { __typename }' }, { query: 'fragment F on Query { __typename }' }],
    ] as const) {
      const overHttp = await sendRaw(platform.gatewayUrl, body, user.accessToken);
      const overSocket = await new Promise<GraphQLFormattedError[]>((resolve, reject) =>
        client.subscribe(payload, { next: reject, error: (error) => resolve(error as GraphQLFormattedError[]), complete: () => reject(new Error('completed')) }),
      );
      expect(overSocket.map((error) => [error.message, error.extensions?.code])).toEqual(overHttp.errors!.map((error) => [error.message, error.extensions?.code]));
    }
    // A query that runs and fails in part is a result (`next`), its errors beside its data.
    const anonymous = connect(undefined).client;
    const partly = await single<{ me: unknown }>(anonymous, '{ me { id } marketSnapshot { time } }');
    expect(partly.data?.me).toBeNull();
    expect(partly.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([[['me'], 'UNAUTHENTICATED']]);
  }, 30_000);

  it("checks a subscription's variables as HTTP does and decides @include and @skip with them", async () => {
    const { client } = connect(bearer(user.accessToken));
    const bySymbols = 'subscription ($s: [String!]!, $x: Boolean! = true) { ticks(symbols: $s) @include(if: $x) { symbol } }';
    const missing = await failure(client, bySymbols, {});
    expect(missing.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(missing[0]!.message).toMatch(/\$s/);
    expect((await failure(client, bySymbols, { s: 5 }))[0]!.extensions?.code).toBe('BAD_USER_INPUT');
    // Excluded, nothing is left to subscribe to: a validation error, and the connection stays usable.
    const excluded = await failure(client, bySymbols, { s: ['BTC'], x: false });
    expect(excluded.map((error) => [error.message, error.extensions?.code])).toEqual([['Anonymous Subscription must select only one top level field.', 'GRAPHQL_VALIDATION_FAILED']]);
    const twoRoots = await failure(client, 'subscription Two { a: ticks(symbols: ["BTC"]) { symbol } b: ticks(symbols: ["ETH"]) { symbol } }');
    expect(twoRoots.map((error) => error.message)).toEqual(['Subscription "Two" must select only one top level field.']);
    // Another subscription of the document is checked too, as HTTP checks the whole document.
    const otherInvalid = await new Promise<GraphQLFormattedError[]>((resolve, reject) =>
      client.subscribe(
        { query: 'subscription One { ticks(symbols: ["BTC"]) { symbol } } subscription Two { a: ticks(symbols: ["BTC"]) { symbol } b: ticks(symbols: ["ETH"]) { symbol } }', operationName: 'One' },
        { next: reject, error: (error) => resolve(error as GraphQLFormattedError[]), complete: () => reject(new Error('completed')) },
      ),
    );
    expect(otherInvalid.map((error) => [error.message, error.extensions?.code])).toEqual([['Subscription "Two" must select only one top level field.', 'GRAPHQL_VALIDATION_FAILED']]);
    // A query beside such a subscription is refused as invalid, that operation alone: it closed the socket (4500) and its subscriptions.
    const running = firstEvents<TickEvent>(client, 'subscription { ticks(symbols: ["BTC"]) { symbol } }', 1);
    const beside = await new Promise<GraphQLFormattedError[]>((resolve, reject) =>
      client.subscribe(
        { query: 'query Q { __typename } subscription A($x: Boolean!) { ticks(symbols: ["BTC"]) @include(if: $x) { symbol } }', operationName: 'Q' },
        { next: reject, error: (error) => resolve(error as GraphQLFormattedError[]), complete: () => reject(new Error('completed')) },
      ),
    );
    expect(beside.map((error) => [error.message, error.extensions?.code])).toEqual([['Subscription "A" must not use @skip or @include in its top-level selection', 'GRAPHQL_VALIDATION_FAILED']]);
    expect((await running)[0]!.data!.ticks.map((tick) => tick.symbol)).toEqual(['BTC']);
    const [event] = await firstEvents<TickEvent>(client, bySymbols, 1, { s: ['BTC'], x: true });
    expect(event!.data!.ticks.map((tick) => tick.symbol)).toEqual(['BTC']);
  }, 30_000);

  it('shares one upstream subscription and one execution among identical subscriptions', async () => {
    const stats = () => platform.gateway.live();
    await eventually(async () => stats().upstreamSubscriptions === 0, 15_000);
    const other = await signUp(platform);
    const first = connect(bearer(user.accessToken)).client;
    const second = connect(bearer(other.accessToken)).client;
    const seen: Event<TickEvent>[][] = [[], []];
    const stops = [first, second].map((client, index) =>
      client.subscribe<TickEvent>({ query: TICKS }, { next: (event) => void seen[index]!.push(event as Event<TickEvent>), error: () => undefined, complete: () => undefined }),
    );
    await eventually(async () => seen[0]!.length >= 2 && seen[1]!.length >= 2, 20_000);
    expect(stats().upstreamSubscriptions).toBe(1);
    expect(stats().sharedSubscriptions).toBe(1);
    // One execution per event: both clients received the same round.
    const times = (events: Event<TickEvent>[]) => events.map((event) => event.data!.ticks[0]!.time);
    expect(times(seen[1]!).some((time) => times(seen[0]!).includes(time))).toBe(true);

    // The same variables in another key order, or a default given explicitly, are the same subscription.
    const withVariables = 'subscription ($s: [String!]!, $x: Boolean! = true) { ticks(symbols: $s) @include(if: $x) { symbol } }';
    const received = [0, 0, 0];
    const alike = [{ s: ['BTC', 'ETH'], x: true }, { x: true, s: ['BTC', 'ETH'] }, { s: ['BTC', 'ETH'] }].map((variables, index) =>
      (index ? second : first).subscribe({ query: withVariables, variables }, { next: () => void received[index]!++, error: () => undefined, complete: () => undefined }),
    );
    await eventually(async () => received.every((count) => count >= 1), 20_000);
    expect(stats().clientSubscriptions).toBe(5);
    expect(stats().upstreamSubscriptions).toBe(2);
    alike.forEach((stop) => stop());

    // Different variables (here: a different document) are a subscription of their own.
    await eventually(async () => stats().upstreamSubscriptions === 1, 10_000);
    // Held open until both its own upstream subscription and an event were seen (one that ended at its first
    // event could be gone before a poll of the count saw it).
    let btcEvents = 0;
    const btcOnly = first.subscribe({ query: 'subscription { ticks(symbols: ["BTC"]) { symbol } }' }, { next: () => void btcEvents++, error: () => undefined, complete: () => undefined });
    await eventually(async () => stats().upstreamSubscriptions === 2, 10_000);
    await eventually(async () => btcEvents >= 1, 10_000);
    btcOnly();
    stops.forEach((stop) => stop());
    await eventually(async () => stats().upstreamSubscriptions === 0 && stats().sharedSubscriptions === 0, 10_000);
  }, 60_000);

  it('hides field suggestions from validation errors in production, over the socket as over HTTP', async () => {
    const typo = 'subscription { ticks(symbols: ["BTC"]) { symbl } }';
    // In development the message guesses the field: what production must not reveal.
    const development = await failure(connect(bearer(user.accessToken)).client, typo);
    expect(development.map((error) => error.message)).toEqual(['Cannot query field "symbl" on type "Tick". Did you mean "symbol"?']);

    const production = await platform.startGateway(productionEnv());
    const { client } = connect(bearer(user.accessToken), production);
    const subscription = await failure(client, typo);
    expect(subscription.map((error) => [error.message, error.extensions?.code])).toEqual([['Cannot query field "symbl" on type "Tick".', 'GRAPHQL_VALIDATION_FAILED']]);
    const query = await failure(client, '{ mee { id } }');
    expect(query.map((error) => error.message)).toEqual(['Cannot query field "mee" on type "Query".']);
    const overHttp = await sendRaw(production.url, { query: '{ mee { id } }' });
    expect(overHttp.errors?.map((error) => error.message)).toEqual(query.map((error) => error.message));
  }, 30_000);

  it('names the client by X-Forwarded-For on the handshake only when TRUST_PROXY trusts the hop, as HTTP does', async () => {
    const me = '{ me { id } }';
    const proxy = await recordingProxy(platform.account.url);
    /** The address the subgraph was told for the one request `ask` makes, naming `forwardedFor`. */
    const seenBy = async (ask: (forwardedFor: string) => Promise<unknown>, forwardedFor: string) => {
      const before = proxy.clients.length;
      await ask(forwardedFor);
      expect(proxy.clients.length).toBe(before + 1);
      return proxy.clients[before];
    };
    const overSocket = (gateway: RunningGateway) => async (forwardedFor: string) => {
      const result = await single<{ me: { id: string } }>(connect(bearer(user.accessToken), gateway, { 'x-forwarded-for': forwardedFor }).client, me);
      expect(result.data?.me.id).toBe(user.accountId);
    };
    const overHttp = (gateway: RunningGateway) => async (forwardedFor: string) => {
      const result = await sendRaw<{ me: { id: string } }>(gateway.url, { query: me }, user.accessToken, { 'x-forwarded-for': forwardedFor });
      expect(result.data?.me.id).toBe(user.accountId);
    };

    const trusting = await platform.startGateway({ TRUST_PROXY: 'loopback', ACCOUNT_URL: proxy.url });
    expect(await seenBy(overSocket(trusting), '198.51.100.7')).toBe('198.51.100.7');
    expect(await seenBy(overHttp(trusting), '198.51.100.8')).toBe('198.51.100.8');
    // Without TRUST_PROXY anyone could name any address: the header is ignored and the peer's own address is used.
    const direct = await platform.startGateway({ ACCOUNT_URL: proxy.url });
    expect(await seenBy(overSocket(direct), '198.51.100.9')).toBe('127.0.0.1');
    expect(await seenBy(overHttp(direct), '198.51.100.9')).toBe('127.0.0.1');
  }, 30_000);

  it('answers a field the role may not read with null and FORBIDDEN in every event', async () => {
    const supergraph = fs.readFileSync(path.join(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8');
    const adminOnly = supergraph.replace(/^(\s+btcDominance: Decimal)$/m, '$1 @requiresRole(roles: ["ADMIN"])');
    expect(adminOnly).not.toBe(supergraph);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'herck-live-')), 'supergraph.graphql');
    fs.writeFileSync(file, adminOnly);
    const gateway = await platform.startGateway({ SUPERGRAPH_PATH: file });
    const { client } = connect(bearer(user.accessToken), gateway);
    const events = await firstEvents<TickEvent>(client, TICKS, 2);
    for (const event of events) {
      expect(event.data!.ticks.map((tick) => tick.symbol)).toEqual(['BTC', 'ETH']);
      for (const tick of event.data!.ticks) expect(tick.global === null || tick.global.btcDominance === null).toBe(true);
      expect(event.errors!.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
      expect(event.errors!.map((error) => error.path)).toEqual([
        ['ticks', 0, 'global', 'btcDominance'],
        ['ticks', 1, 'global', 'btcDominance'],
      ]);
    }
  }, 60_000);
});

describe('a subscription whose every event would be null', () => {
  it('gets an error, as one with nothing left to read does, rather than a null event every round', async () => {
    const supergraph = fs.readFileSync(path.join(__dirname, '..', '..', 'schema', 'supergraph.graphql'), 'utf8');
    const tick = supergraph.indexOf('type Tick\n');
    const price = supergraph.indexOf('price: Decimal!', tick);
    expect([tick, price].every((at) => at > 0)).toBe(true);
    // Tick.price is non-null: denied, its null reaches the root of every event.
    const adminPrices = `${supergraph.slice(0, price)}price: Decimal! @requiresRole(roles: ["ADMIN"])${supergraph.slice(price + 'price: Decimal!'.length)}`;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'herck-live-')), 'supergraph.graphql');
    fs.writeFileSync(file, adminPrices);
    const gateway = await platform.startGateway({ SUPERGRAPH_PATH: file });
    const { client } = connect(bearer(user.accessToken), gateway);
    const errors = await failure(client, 'subscription { ticks(symbols: ["BTC"]) { symbol price } }');
    expect(errors.map((error) => [error.extensions?.code, error.path])).toEqual([['FORBIDDEN', ['ticks', 'price']]]);
    // Without the denied field, the same subscription streams on that connection.
    const events = await firstEvents<{ ticks: { symbol: string }[] }>(client, 'subscription { ticks(symbols: ["BTC"]) { symbol } }', 1);
    expect(events[0]!.data!.ticks.map((each) => each.symbol)).toEqual(['BTC']);
  }, 60_000);
});

describe('graphql-ws protocol', () => {
  it("closes with 4400 on a message only a server may send (the protocol's rule for a message not meant for it), not with 4500", async () => {
    for (const message of [{ type: 'next', id: '1', payload: { data: {} } }, { type: 'error', id: '1', payload: [] }, { type: 'connection_ack' }]) {
      const socket = await rawSocket(platform.gateway);
      socket.send(JSON.stringify({ type: 'connection_init', payload: bearer(user.accessToken) }));
      expect((await socket.next()).type).toBe('connection_ack');
      socket.send(JSON.stringify(message));
      expect({ type: message.type, code: await socket.closed }).toEqual({ type: message.type, code: 4400 });
    }
  });
});

describe('subscription ids', () => {
  const subscribe = (id: string) => JSON.stringify({ id, type: 'subscribe', payload: { query: 'subscription { ticks(symbols: ["BTC"]) { symbol time } }' } });
  const complete = (id: string) => JSON.stringify({ id, type: 'complete' });
  type Message = { type: string; id?: string; payload?: { data?: { ticks?: { time: string }[] } } };

  /** Reads messages until `enough` says so; every one of them is returned. */
  async function readUntil(socket: RawSocket, enough: (messages: Message[]) => boolean): Promise<Message[]> {
    const messages: Message[] = [];
    while (!enough(messages)) messages.push((await socket.next()) as Message);
    return messages;
  }
  const eventsOf = (messages: Message[], id: string) => messages.filter((message) => message.id === id && message.type === 'next');

  it('runs one subscription per id however fast a client completes an id and uses it again, and leaves nothing behind', async () => {
    const before = platform.gateway.live();
    const socket = await rawSocket(platform.gateway);
    socket.send(JSON.stringify({ type: 'connection_init', payload: bearer(user.accessToken) }));
    expect((await socket.next()).type).toBe('connection_ack');
    socket.send(subscribe('x'));
    await readUntil(socket, (messages) => eventsOf(messages, 'x').length === 1);

    // Complete and subscribe again in one go: the first winds down while the second starts.
    socket.send(complete('x'));
    socket.send(subscribe('x'));
    // Subscribe, complete and subscribe again before the first has even started.
    socket.send(subscribe('y'));
    socket.send(complete('y'));
    socket.send(subscribe('y'));
    const seen = await readUntil(socket, (messages) => eventsOf(messages, 'x').length >= 3 && eventsOf(messages, 'y').length >= 3);
    // Neither new subscription was completed, and each got every round once.
    expect(seen.filter((message) => message.type !== 'next')).toEqual([]);
    for (const id of ['x', 'y']) {
      const rounds = eventsOf(seen, id).map((message) => message.payload!.data!.ticks![0]!.time);
      expect(new Set(rounds).size).toBe(rounds.length);
    }
    expect(platform.gateway.live().clientSubscriptions - before.clientSubscriptions).toBe(2);

    // A complete ends each for good.
    socket.send(complete('x'));
    socket.send(complete('y'));
    await eventually(async () => platform.gateway.live().clientSubscriptions === before.clientSubscriptions, 5_000);
    socket.send(JSON.stringify({ id: 'probe', type: 'subscribe', payload: { query: '{ __typename }' } }));
    const after = await readUntil(socket, (messages) => messages.some((message) => message.id === 'probe' && message.type === 'complete'));
    expect(after.filter((message) => message.id !== 'probe')).toEqual([]);
    socket.terminate();
    await eventually(async () => platform.gateway.live().upstreamSubscriptions === before.upstreamSubscriptions, 5_000);
  }, 30_000);

  it('holds a connection to WS_MAX_SUBSCRIPTIONS_PER_CONNECTION whatever the ids, and frees everything when it closes', async () => {
    const gateway = await platform.startGateway({ WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '3' });
    const socket = await rawSocket(gateway);
    socket.send(JSON.stringify({ type: 'connection_init', payload: bearer(user.accessToken) }));
    expect((await socket.next()).type).toBe('connection_ack');
    // Each id started, completed and started again at once, five times over: at most three may run.
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      socket.send(subscribe(id));
      socket.send(complete(id));
      socket.send(subscribe(id));
    }
    const streaming = (messages: Message[]) => new Set(messages.filter((message) => message.type === 'next').map((message) => message.id));
    const refused = (messages: Message[]) => messages.filter((message) => message.type === 'error');
    const seen = await readUntil(socket, (messages) => streaming(messages).size === 3 && new Set(refused(messages).map((message) => message.id)).has('e'));
    expect([...streaming(seen)].sort()).toEqual(['a', 'b', 'c']);
    expect(new Set(refused(seen).map((message) => (message.payload as unknown as { extensions: { code: string } }[])[0]!.extensions.code))).toEqual(new Set(['RATE_LIMITED']));
    expect(gateway.live().clientSubscriptions).toBe(3);
    // At the limit, completing one and starting another in the same breath finds the slot free.
    socket.send(complete('a'));
    socket.send(subscribe('f'));
    const swapped = await readUntil(socket, (messages) => messages.some((message) => message.id === 'f'));
    expect(swapped.filter((message) => message.id === 'f').map((message) => message.type)).toEqual(['next']);
    expect(gateway.live().clientSubscriptions).toBe(3);
    socket.terminate();
    await eventually(async () => gateway.live().clientSubscriptions === 0 && gateway.live().upstreamSubscriptions === 0, 5_000);
  }, 30_000);
});

describe('graphql-ws connection limits', () => {
  /** The handshake's outcome: 'open', or the HTTP status the server refused it with. */
  function handshake(origin?: string, url = wsUrl()): Promise<'open' | number> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, 'graphql-transport-ws', origin ? { headers: { Origin: origin } } : {});
      socket.once('open', () => {
        socket.close();
        resolve('open');
      });
      socket.once('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
        socket.terminate();
      });
      socket.once('error', (error) => reject(error));
    });
  }

  it('refuses handshakes from an Origin outside the CORS list and allows listed or absent ones', async () => {
    expect(await handshake('https://evil.example')).toBe(403);
    // The gateway's own pages are listed by default (Sandbox subscribes from there).
    expect(await handshake(`http://localhost:${new URL(platform.gatewayUrl).port}`)).toBe('open');
    expect(await handshake('http://localhost:4000')).toBe(403);
    expect(await handshake()).toBe('open');
  });

  it('names the handshake in x-request-id, as every HTTP answer, accepted (101) or refused (403, or 400 off the API\'s path)', async () => {
    const idOf = (headers: Record<string, string>, path = '/graphql') =>
      new Promise<[number | string, unknown]>((resolve, reject) => {
        const socket = new WebSocket(new URL(path, wsUrl()).toString(), 'graphql-transport-ws', { headers });
        socket.once('upgrade', (response) => resolve([101, response.headers['x-request-id']]));
        socket.once('open', () => socket.close());
        socket.once('unexpected-response', (_request, response) => {
          resolve([response.statusCode ?? 0, response.headers['x-request-id']]);
          socket.terminate();
        });
        socket.once('error', (error) => reject(error));
      });
    expect(await idOf({ 'x-request-id': 'handshake-kept-1' })).toEqual([101, 'handshake-kept-1']);
    expect(await idOf({ 'x-request-id': 'handshake-refused-1', Origin: 'https://evil.example' })).toEqual([403, 'handshake-refused-1']);
    expect(await idOf({ 'x-request-id': 'not well formed' })).toEqual([101, expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    expect(await idOf({ 'x-request-id': 'handshake-elsewhere-1' }, '/elsewhere')).toEqual([400, 'handshake-elsewhere-1']);
  });

  it('takes handshakes where HTTP serves the API, with or without the trailing slash (Sandbox opened at /graphql/ subscribes there), and nowhere else', async () => {
    const url = new URL(wsUrl());
    expect(url.pathname).toBe('/graphql');
    const at = (path: string) => handshake(undefined, new URL(path, url).toString());
    expect(await at('/graphql/')).toBe('open');
    expect(await at('/graphql?x=1')).toBe('open');
    expect(await at('/graphqlx')).toBe(400);
    expect(await at('/')).toBe(400);
  });

  it('bounds operations per connection and connections per account (close 4429)', async () => {
    const gateway = await platform.startGateway({ WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '2', WS_MAX_CONNECTIONS_PER_ACCOUNT: '2' });
    const { client } = connect(bearer(user.accessToken), gateway);
    const sink = { next: () => undefined, error: () => undefined, complete: () => undefined };
    client.subscribe({ query: TICKS }, sink);
    client.subscribe({ query: 'subscription { ticks(symbols: ["BTC"]) { symbol } }' }, sink);
    const third = await failure(client, '{ __typename }');
    expect(third[0]!.extensions?.code).toBe('RATE_LIMITED');

    // The first connection holds two running subscriptions; the second holds one.
    await streaming(connect(bearer(user.accessToken), gateway).client);
    const overLimit = connect(bearer(user.accessToken), gateway);
    expect(await overLimit.closed).toBe(4429);
    // Anonymous connections are not counted against an account, but per client address, as rate limits count them.
    const anonymous = async () => {
      const socket = await rawSocket(gateway);
      socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
      return socket;
    };
    for (const socket of [await anonymous(), await anonymous()]) expect((await socket.next()).type).toBe('connection_ack');
    expect(await (await anonymous()).closed).toBe(4429);
  }, 30_000);

  it('counts anonymous connections from one IPv6 /64 network together, as the rate limits count its operations', async () => {
    // X-Forwarded-For on the handshake names the client once TRUST_PROXY trusts the hop (the test's loopback).
    const gateway = await platform.startGateway({ WS_MAX_CONNECTIONS_PER_ACCOUNT: '1', TRUST_PROXY: 'loopback' });
    const from = async (address: string) => {
      const socket = await rawSocket(gateway, { 'x-forwarded-for': address });
      socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
      return socket;
    };
    expect((await (await from('2001:db8:1:2::1')).next()).type).toBe('connection_ack');
    const sameNetwork = await from('2001:db8:1:2::2');
    expect(await Promise.race([sameNetwork.closed, sameNetwork.next().then((message) => message.type)])).toBe(4429);
    // Another network has connections of its own.
    expect((await (await from('2001:db8:1:3::1')).next()).type).toBe('connection_ack');
  }, 30_000);

  it('closes a socket that sends no connection_init within WS_CONNECTION_INIT_TIMEOUT_MS (4408), and only such a socket', async () => {
    const gateway = await platform.startGateway({ WS_CONNECTION_INIT_TIMEOUT_MS: '500' });
    const acknowledged = connect(bearer(user.accessToken), gateway);
    await single(acknowledged.client, '{ __typename }');
    const started = Date.now();
    const silent = await rawSocket(gateway);
    expect(await silent.closed).toBe(4408);
    const waited = Date.now() - started;
    // Not before the configured time (timers may fire a millisecond early), and long before the 10 s default.
    expect(waited).toBeGreaterThanOrEqual(490);
    expect(waited).toBeLessThan(5_000);
    // The connection that did send connection_init outlived the timeout and still serves operations.
    const typename = await single<{ __typename: string }>(acknowledged.client, '{ __typename }');
    expect(typename.data?.__typename).toBe('Query');
  }, 30_000);

  it('refuses an operation larger than BODY_LIMIT on its own, as HTTP does (413); one of exactly BODY_LIMIT is served', async () => {
    const gateway = await platform.startGateway({ BODY_LIMIT: '4kb' });
    const socket = await rawSocket(gateway);
    socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    expect((await socket.next()).type).toBe('connection_ack');
    // Exactly BODY_LIMIT, as the same operation is over HTTP: the message's envelope (its type and id) is not counted.
    const fits = subscribeMessageOf(4 * 1024, 'fits');
    expect(JSON.parse(fits) as unknown).toEqual({ id: 'fits', type: 'subscribe', payload: expect.anything() });
    expect((await sendRaw(gateway.url, JSON.stringify((JSON.parse(fits) as { payload: unknown }).payload))).status).toBe(200);
    socket.send(fits);
    expect(await socket.next()).toEqual({ id: 'fits', type: 'next', payload: { data: { __typename: 'Query' } } });
    expect(await socket.next()).toEqual({ id: 'fits', type: 'complete' });
    socket.send(subscribeMessageOf(4 * 1024 + 1, 'too-large'));
    expect(await socket.next()).toEqual({ id: 'too-large', type: 'error', payload: [{ message: 'Request body too large', extensions: { code: 'BAD_REQUEST' } }] });
    // The socket goes on (a close ended every other subscription of a graphql-ws client, which does not retry 1009).
    socket.send(subscribeMessageOf(1024, 'after'));
    expect(await socket.next()).toEqual({ id: 'after', type: 'next', payload: { data: { __typename: 'Query' } } });
    expect(await socket.next()).toEqual({ id: 'after', type: 'complete' });
    // A message that is no operation, or one past the hard bound (1 MiB here), closes the socket with 1009.
    socket.send(JSON.stringify({ type: 'ping', payload: { pad: 'x'.repeat(5 * 1024) } }));
    expect(await socket.closed).toBe(1009);
    const huge = await rawSocket(gateway);
    huge.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    expect((await huge.next()).type).toBe('connection_ack');
    huge.send(subscribeMessageOf(1024 * 1024 + 1, 'huge'));
    expect(await huge.closed).toBe(1009);
  }, 30_000);

  it('closes for an oversized or too deep subscribe as graphql-ws closes for any: 4401 before the acknowledgement, 4409 for an id already running', async () => {
    const gateway = await platform.startGateway({ BODY_LIMIT: '4kb' });
    const early = await rawSocket(gateway);
    early.send(subscribeMessageOf(5 * 1024, 'early'));
    expect(await early.closed).toBe(4401);
    const deep = `${'['.repeat(200)}${']'.repeat(200)}`;
    for (const again of [subscribeMessageOf(5 * 1024, 'running'), `{"id":"running","type":"subscribe","payload":{"query":"query ($s: String) { __typename }","variables":{"s":${deep}}}}`]) {
      const socket = await rawSocket(gateway);
      socket.send(JSON.stringify({ type: 'connection_init', payload: bearer(user.accessToken) }));
      expect((await socket.next()).type).toBe('connection_ack');
      socket.send(JSON.stringify({ id: 'running', type: 'subscribe', payload: { query: 'subscription { ticks(symbols: ["BTC"]) { symbol } }' } }));
      expect(await socket.next()).toMatchObject({ id: 'running', type: 'next' });
      socket.send(again);
      expect(await socket.closed).toBe(4409);
    }
  }, 30_000);

  it('refuses a variable named $__proto__ as an invalid document; one named like another Object member is an ordinary variable', async () => {
    const gateway = await platform.startGateway({});
    const socket = await rawSocket(gateway);
    socket.send(JSON.stringify({ type: 'connection_init', payload: bearer(user.accessToken) }));
    expect((await socket.next()).type).toBe('connection_ack');
    socket.send(JSON.stringify({ id: 'proto', type: 'subscribe', payload: { query: 'subscription ($__proto__: [String!]) { ticks(symbols: $__proto__) { symbol } }' } }));
    const refused = (await socket.next()) as { id: string; type: string; payload: { extensions?: { code?: string } }[] };
    expect([refused.id, refused.type, refused.payload.map((error) => error.extensions?.code)]).toEqual(['proto', 'error', ['GRAPHQL_VALIDATION_FAILED']]);
    // Left out, $constructor is no value (it was Object's constructor, found through the prototype): every symbol's ticks.
    socket.send(JSON.stringify({ id: 'ctor', type: 'subscribe', payload: { query: 'subscription ($constructor: [String!]) { ticks(symbols: $constructor) { symbol } }' } }));
    const event = (await socket.next()) as { id: string; type: string; payload: { data?: { ticks: { symbol: string }[] }; errors?: unknown } };
    expect([event.id, event.type, event.payload.errors]).toEqual(['ctor', 'next', undefined]);
    expect(event.payload.data!.ticks.map((tick) => tick.symbol)).toEqual(expect.arrayContaining(['BTC', 'ETH']));
  }, 30_000);

  it('refuses variables nested thousands of levels deep as that operation\'s bad input, as HTTP does; the socket goes on', async () => {
    const gateway = await platform.startGateway({});
    const socket = await rawSocket(gateway);
    socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    expect((await socket.next()).type).toBe('connection_ack');
    const deep = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
    // Well within BODY_LIMIT; written again with the gateway's operation id, it had closed the socket with 1011.
    socket.send(`{"id":"deep","type":"subscribe","payload":{"query":"query ($s: String) { __typename }","variables":{"s":${deep}}}}`);
    expect(await socket.next()).toEqual({ id: 'deep', type: 'error', payload: [{ message: 'The operation nests lists or objects more than 64 levels deep.', extensions: { code: 'BAD_USER_INPUT' } }] });
    socket.send(subscribeMessageOf(1024, 'after'));
    expect(await socket.next()).toEqual({ id: 'after', type: 'next', payload: { data: { __typename: 'Query' } } });
    expect(await socket.next()).toEqual({ id: 'after', type: 'complete' });
  }, 30_000);

  it("stop closes client sockets with 1001 and the gateway's upstream subscriptions", async () => {
    const gateway = await platform.startGateway({});
    // One after the other: a fresh gateway's key store refuses a token that arrives while it fetches the keys.
    const first = connect(bearer(user.accessToken), gateway);
    await streaming(first.client);
    const second = connect(bearer(user.accessToken), gateway);
    await streaming(second.client);
    expect(gateway.live().upstreamSubscriptions).toBe(1);
    await gateway.stop();
    expect(await first.closed).toBe(1001);
    expect(await second.closed).toBe(1001);
    expect(gateway.live()).toMatchObject({ connections: 0, upstreamSubscriptions: 0, sharedSubscriptions: 0 });
  }, 30_000);
});

describe('rate limits over the socket', () => {
  it("count a subscription once, when it starts: its events spend nothing of the caller's operations a minute", async () => {
    // A fresh account: its budget's minute starts with signUp's `me`, well before this test ends.
    const counted = await signUp(platform);
    const { client } = connect(bearer(counted.accessToken));
    const events = await firstEvents<{ ticks: unknown[] }>(client, TICKS, 3);
    expect(events).toHaveLength(3);
    // signUp's `me`, the subscription and this `me`: three spent, whatever the rounds delivered.
    expect(await operationsSpentWithAMe(platform.gatewayUrl, counted.accessToken)).toBe(3);
  }, 30_000);

  it('let a subscription the gateway ended (4403 at token expiry, 1001 at stop) start again free, on any gateway sharing Redis', async () => {
    const resuming = await signUp(platform);
    const shared = { REDIS_URL: testRedis().url, RATE_LIMIT_KEY_PREFIX: `test-${randomBytes(4).toString('hex')}`, RATE_LIMIT_REDIS_TIMEOUT_MS: '10000' };
    const first = await platform.startGateway(shared);
    const second = await platform.startGateway(shared);
    // Two identical subscriptions and one with variables: three spent; the token expires with them open.
    const expiring = connect(bearer(tokenExpiringIn(resuming.accessToken, EXPIRING_TOKEN_SECONDS)), first);
    await Promise.all([streaming(expiring.client), streaming(expiring.client), streaming(expiring.client, BY_SYMBOL, { symbols: ['BTC'] })]);
    expect(await expiring.closed).toBe(4403);

    // The client comes back on another gateway with a fresh token: the same three resume free; the
    // same document with other variables, and a third identical one, are new (two spent).
    const renewed = connect(bearer(resuming.accessToken), second);
    await Promise.all([streaming(renewed.client), streaming(renewed.client), streaming(renewed.client, BY_SYMBOL, { symbols: ['BTC'] })]);
    await Promise.all([streaming(renewed.client, BY_SYMBOL, { symbols: ['ETH'] }), streaming(renewed.client)]);
    // That gateway stops (1001) with five open: two of them resume on the first one free.
    await second.stop();
    expect(await renewed.closed).toBe(1001);
    const back = connect(bearer(resuming.accessToken), first);
    await Promise.all([streaming(back.client), streaming(back.client, BY_SYMBOL, { symbols: ['ETH'] })]);

    // A socket its client closes leaves nothing to resume: starting again costs one (the ETH one's credit is used up).
    await back.client.dispose();
    const reopened = connect(bearer(resuming.accessToken), first);
    await streaming(reopened.client, BY_SYMBOL, { symbols: ['ETH'] });

    // Three, two, nothing, one, and this `me`.
    expect(await operationsSpentWithAMe(first.url, resuming.accessToken)).toBe(7);
  }, 40_000);

  it('give a credit back when the subscription it resumes cannot be planned', async () => {
    const resuming = await signUp(platform);
    // A gateway of its own: its counts (in memory) hold this test's operations only.
    const gateway = await platform.startGateway({});
    const expiring = connect(bearer(tokenExpiringIn(resuming.accessToken, EXPIRING_TOKEN_SECONDS)), gateway);
    await streaming(expiring.client);
    expect(await expiring.closed).toBe(4403);
    const renewed = connect(bearer(resuming.accessToken), gateway);
    const prepare = jest.spyOn(SharedSubscriptions.prototype, 'prepare').mockImplementationOnce(() => {
      throw new Error('the planner failed');
    });
    try {
      await expect(streaming(renewed.client)).rejects.toThrow(/could not be planned/);
    } finally {
      prepare.mockRestore();
    }
    // Started again, it still resumes free.
    await streaming(renewed.client);
    // The first start and this `me`.
    expect(await operationsSpentWithAMe(gateway.url, resuming.accessToken)).toBe(2);
  }, 30_000);

  it('give a credit back only once, however often the subscription it resumes fails to be planned', async () => {
    const resuming = await signUp(platform);
    const gateway = await platform.startGateway({});
    const expiring = connect(bearer(tokenExpiringIn(resuming.accessToken, EXPIRING_TOKEN_SECONDS)), gateway);
    await streaming(expiring.client);
    expect(await expiring.closed).toBe(4403);
    const prepare = jest.spyOn(SharedSubscriptions.prototype, 'prepare').mockImplementation(() => {
      throw new Error('the planner failed');
    });
    let again: Connection;
    try {
      const renewed = connect(bearer(resuming.accessToken), gateway);
      await expect(streaming(renewed.client)).rejects.toThrow(/could not be planned/);
      // Again, on the same connection and on a new one: the credit was given back once already.
      await expect(streaming(renewed.client)).rejects.toThrow(/could not be planned/);
      again = connect(bearer(resuming.accessToken), gateway);
      await expect(streaming(again.client)).rejects.toThrow(/could not be planned/);
    } finally {
      prepare.mockRestore();
    }
    await streaming(again.client);
    // The first start, the last failed one (no credit left), the one that runs, and this `me`.
    expect(await operationsSpentWithAMe(gateway.url, resuming.accessToken)).toBe(4);
  }, 30_000);

  it('let subscriptions the gateway ended because auth could not be asked (1013) start again free once it can', async () => {
    const resuming = await signUp(platform);
    const auth = await cuttableProxy(platform.auth.url);
    try {
      // Its session checks (every half second here) go through the proxy.
      const gateway = await platform.startGateway({ AUTH_URL: auth.url });
      const first = connect(bearer(resuming.accessToken), gateway);
      await Promise.all([streaming(first.client), streaming(first.client, BY_SYMBOL, { symbols: ['BTC'] })]);
      auth.cut();
      expect(await first.closed).toBe(1013);
      auth.mend();
      const again = connect(bearer(resuming.accessToken), gateway);
      await Promise.all([streaming(again.client), streaming(again.client, BY_SYMBOL, { symbols: ['BTC'] })]);
      // The two first starts and this `me`.
      expect(await operationsSpentWithAMe(gateway.url, resuming.accessToken)).toBe(3);
    } finally {
      auth.close();
    }
  }, 30_000);

  it('close at token expiry without waiting for the credit store, and still let a client reconnecting at once resume free', async () => {
    const resuming = await signUp(platform);
    const redis = await holdableProxyToRedis();
    try {
      const gateway = await platform.startGateway({ REDIS_URL: redis.url, RATE_LIMIT_KEY_PREFIX: `test-${randomBytes(4).toString('hex')}`, RATE_LIMIT_REDIS_TIMEOUT_MS: '10000' });
      const token = tokenExpiringIn(resuming.accessToken, EXPIRING_TOKEN_SECONDS);
      const expiresAt = jwt.decode(token, { json: true })!.exp! * 1000;
      const expiring = connect(bearer(token), gateway);
      await Promise.all([streaming(expiring.client), streaming(expiring.client, BY_SYMBOL, { symbols: ['BTC'] })]);
      // Redis takes what it is sent from now on but answers only once released.
      redis.hold();
      const closedWith = await Promise.race([expiring.closed, new Promise((resolve) => setTimeout(() => resolve('still open'), expiresAt + 5_000 - Date.now()))]);
      expect(closedWith).toBe(4403);
      // The credits were sent before the close; what Redis is sent from here on is the resumed starts'.
      const heldAtClose = redis.heldBytes();
      // The client reconnects at once: its starts reach Redis after the credits, however late Redis answers them.
      const renewed = connect(bearer(resuming.accessToken), gateway);
      const resumed = Promise.all([streaming(renewed.client), streaming(renewed.client, BY_SYMBOL, { symbols: ['BTC'] })]);
      await eventually(async () => redis.heldBytes() > heldAtClose);
      redis.release();
      await resumed;
      // The two first starts and this `me`.
      expect(await operationsSpentWithAMe(gateway.url, resuming.accessToken)).toBe(3);
    } finally {
      redis.close();
    }
  }, 30_000);
});

/** The operations the account has spent in the current minute, counting the `me` this sends to read them. */
async function operationsSpentWithAMe(gatewayUrl: string, accessToken: string): Promise<number> {
  const answer = await sendRaw(gatewayUrl, { query: '{ me { id } }' }, accessToken);
  return Number(answer.headers.get('ratelimit-limit')) - Number(answer.headers.get('ratelimit-remaining'));
}

/** A TCP proxy to a service that can be cut (every connection through it dropped, new ones refused at once) and mended. */
async function cuttableProxy(serviceUrl: string): Promise<{ url: string; cut(): void; mend(): void; close(): void }> {
  const target = new URL(serviceUrl);
  let cut = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (cut) return void client.destroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    for (const socket of [client, upstream]) {
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(serviceUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as AddressInfo).port);
  const dropAll = () => sockets.forEach((socket) => socket.destroy());
  return {
    url: url.toString(),
    cut: () => {
      cut = true;
      dropAll();
    },
    mend: () => void (cut = false),
    close: () => {
      dropAll();
      server.close();
    },
  };
}

/** A TCP proxy to the run's Redis (testRedis) that can hold what it is sent (Redis answers nothing meanwhile), then pass it on in order. */
async function holdableProxyToRedis(): Promise<{ url: string; hold(): void; heldBytes(): number; release(): void; close(): void }> {
  let holding = false;
  /** Each connection's writes to Redis held back, in the order they came. */
  const held = new Map<net.Socket, Buffer[]>();
  const sockets = new Set<net.Socket>();
  const redis = testRedis();
  const server = net.createServer((client) => {
    const upstream = net.connect(redis.port, redis.host);
    sockets.add(client).add(upstream);
    held.set(upstream, []);
    client.on('data', (chunk) => (holding ? held.get(upstream)!.push(chunk) : upstream.write(chunk)));
    upstream.pipe(client);
    for (const socket of [client, upstream]) socket.on('error', () => undefined);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hold: () => void (holding = true),
    heldBytes: () => [...held.values()].reduce((sum, chunks) => sum + chunks.reduce((bytes, chunk) => bytes + chunk.length, 0), 0),
    release: () => {
      holding = false;
      for (const [upstream, chunks] of held) chunks.splice(0).forEach((chunk) => upstream.write(chunk));
    },
    close: () => {
      sockets.forEach((socket) => socket.destroy());
      server.close();
    },
  };
}
