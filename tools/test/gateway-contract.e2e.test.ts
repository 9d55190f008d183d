import net from 'node:net';
import { AddressInfo } from 'node:net';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { Logger } from '@herck/common';
import { RunningGateway } from '@herck/gateway';
import { sendRaw } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { eventually, signUp, SignedUpUser } from './support/users';

/**
 * Contract checks of the gateway's live endpoint (issue 7) found by an audit,
 * each failing without its fix.
 */

let platform: TestPlatform;
let user: SignedUpUser;
const clients: Client[] = [];
const servers: net.Server[] = [];
const heldSockets: net.Socket[] = [];
/** The gateway's log lines (debug and up), parsed. */
const gatewayLog: { level?: string; msg?: string; method?: string; path?: string; status?: number; reason?: string; subgraph?: string; requestId?: string; code?: string; operation?: string | null; type?: string | null; errors?: string[] }[] = [];

beforeAll(async () => {
  platform = await startTestPlatform({}, { loggers: { gateway: new Logger('gateway', 'debug', {}, (line) => void gatewayLog.push(JSON.parse(line) as (typeof gatewayLog)[number])) } });
  user = await signUp(platform);
}, 180_000);
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await platform?.stop();
  // A server closes only once the connections it holds are gone.
  for (const server of servers) {
    const closed = new Promise((resolve) => server.close(resolve));
    heldSockets.forEach((socket) => socket.destroy());
    await closed;
  }
}, 60_000);

/** A TCP server that accepts connections and holds them, unanswered, until told to drop them: a subgraph that is not (yet) there. */
async function silentSubgraph(): Promise<{ url: string; held: net.Socket[] }> {
  const held: net.Socket[] = [];
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    held.push(socket);
    heldSockets.push(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, held };
}

describe('live subscriptions through the gateway: contract checks', () => {
  it('survives a caller-scoped subscription ending while its subgraph cannot be reached', async () => {
    // `alerts` is caller-scoped: the gateway opens an upstream connection of the caller's own and
    // disposes of it with the caller's last subscription. Disposing of a graphql-ws client whose
    // connection attempt then fails rejects; unhandled, that rejection brings down a Node process.
    const analysis = await silentSubgraph();
    const gateway: RunningGateway = await platform.startGateway({ ANALYSIS_URL: analysis.url });
    const client = createClient({ url: gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { Authorization: `Bearer ${user.accessToken}` } });
    clients.push(client);
    const unsubscribe = client.subscribe({ query: 'subscription { alerts { __typename } }' }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    // The gateway is trying to reach analysis for this caller (the silent server also holds the status probe's
    // connections, so its count alone does not say the subscription got there)…
    await eventually(async () => gateway.live().upstreamSubscriptions === 1 && analysis.held.length > 0, 30_000);
    // …when the caller leaves, and only then does the attempt fail.
    unsubscribe();
    await eventually(async () => gateway.live().clientSubscriptions === 0 && gateway.live().upstreamSubscriptions === 0, 30_000);
    analysis.held.forEach((socket) => socket.destroy());
    const failedAttempt = (line: (typeof gatewayLog)[number]) => line.msg === 'upstream graphql-ws connection failed' && line.subgraph === 'analysis';
    await eventually(async () => gatewayLog.some(failedAttempt), 30_000);
    // Node reports an unhandled rejection once the microtasks of that failure have run, well before
    // the gateway answers another request; Jest fails the running test with it.
    const answer = await sendRaw(gateway.url, { query: '{ __typename }' });
    expect(answer.data).toEqual({ __typename: 'Query' });
  }, 120_000);

  it('stops (closing its clients with 1001) while a subgraph it subscribes to does not answer', async () => {
    const market = await silentSubgraph();
    const gateway: RunningGateway = await platform.startGateway({ MARKET_URL: market.url });
    let closedWith: (code: number) => void = () => undefined;
    const closed = new Promise<number>((resolve) => (closedWith = resolve));
    const client = createClient({
      url: gateway.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { Authorization: `Bearer ${user.accessToken}` },
      on: { closed: (event) => closedWith((event as { code: number }).code) },
    });
    clients.push(client);
    client.subscribe({ query: 'subscription { ticks(symbols: ["BTC"]) { symbol } }' }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    // The client's subscription is in, and the gateway's connection to market hangs in its handshake
    // (the silent server also holds the status probe's connections: its count alone says neither).
    await eventually(async () => gateway.live().clientSubscriptions === 1 && gateway.live().upstreamSubscriptions === 1 && market.held.length > 0, 30_000);
    // Stopping must neither wait on that connection nor fail.
    await expect(gateway.stop()).resolves.toBeUndefined();
    await expect(closed).resolves.toBe(1001);
  }, 120_000);

  it('answers a document that does not parse over the socket with the error HTTP gives, its locations included', async () => {
    const query = '{ __typename\n  me {';
    const overHttp = await sendRaw(platform.gatewayUrl, { query });
    expect(overHttp.errors?.[0]?.locations).toEqual([{ line: 2, column: 7 }]);
    const client = createClient({ url: platform.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    clients.push(client);
    const errors = await new Promise<unknown>((resolve, reject) =>
      client.subscribe({ query }, { next: (result) => reject(new Error(`unexpected ${JSON.stringify(result)}`)), error: resolve, complete: () => reject(new Error('completed without an error')) }),
    );
    expect(errors).toEqual([{ message: overHttp.errors![0]!.message, locations: [{ line: 2, column: 7 }], extensions: { code: 'GRAPHQL_PARSE_FAILED' } }]);
  }, 60_000);
});

describe('a subgraph that takes a request and never answers', () => {
  it('fails the fetch after SUBGRAPH_TIMEOUT_MS with SERVICE_UNAVAILABLE, instead of holding the client for minutes', async () => {
    const silent = await silentSubgraph();
    const gateway = await platform.startGateway({ ACCOUNT_URL: silent.url, SUBGRAPH_TIMEOUT_MS: '300' });
    const started = Date.now();
    const answer = await sendRaw<{ me: unknown }>(gateway.url, { query: '{ me { id username } }' }, user.accessToken);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(answer.data?.me ?? null).toBeNull();
    expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(JSON.stringify(answer.errors)).not.toMatch(/127\.0\.0\.1|UND_ERR/);
    // The operator's log names the subgraph and why, under the request's id; the client's answer does not.
    expect(gatewayLog).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'subgraph fetch failed', subgraph: 'account', reason: 'UND_ERR_HEADERS_TIMEOUT', requestId: answer.headers.get('x-request-id') }));
  });
});

describe('a subgraph that cannot be reached (stopped, restarting)', () => {
  it('is SERVICE_UNAVAILABLE, the same as one out of time: a client may try again', async () => {
    // A port nothing listens on: the connection is refused (it was INTERNAL_SERVER_ERROR).
    const closed = await silentSubgraph();
    const url = closed.url;
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const gateway = await platform.startGateway({ ACCOUNT_URL: url });
    for (const query of ['{ me { id username } }', 'mutation { updateAccount(input: { firstName: "Away" }) { id } }']) {
      const answer = await sendRaw(gateway.url, { query }, user.accessToken);
      expect({ query, codes: answer.errors?.map((error) => error.extensions?.code) }).toEqual({ query, codes: ['SERVICE_UNAVAILABLE'] });
      expect(answer.errors?.[0]?.message).toBe('The account service is unavailable; try again shortly');
      expect(gatewayLog).toContainEqual(expect.objectContaining({ msg: 'subgraph fetch failed', subgraph: 'account', reason: 'ECONNREFUSED', requestId: answer.headers.get('x-request-id') }));
    }
  });
});

describe('a request refused for its access token', () => {
  it('is logged under its request id with the reason, and answered', async () => {
    const requestId = `refused-${Date.now()}`;
    const answer = await sendRaw(platform.gatewayUrl, { query: '{ me { id } }' }, 'not-a-token', { 'x-request-id': requestId });
    expect(answer.status).toBe(401);
    const logged = (msg: string) => gatewayLog.some((line) => line.requestId === requestId && line.msg === msg);
    await eventually(async () => logged('access token refused') && logged('operation answered'), 5_000);
    expect(gatewayLog.find((line) => line.requestId === requestId && line.msg === 'access token refused')).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'Access token is invalid or expired' });
  });
});

describe('a request refused before it reaches GraphQL', () => {
  it('is logged as "request refused" under its request id with its status: a body that is not JSON, a body too large, a path nothing serves', async () => {
    const refused = async (path: string, body: string) => {
      const requestId = `before-graphql-${path.length}-${body.length}-${Date.now()}`;
      const response = await fetch(platform.gatewayUrl.replace(/\/graphql$/, path), { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': requestId }, body });
      await response.text();
      return { requestId, status: response.status };
    };
    const notJson = await refused('/graphql', '{ not json');
    const tooLarge = await refused('/graphql', JSON.stringify({ query: `{ __typename } # ${'x'.repeat(2_000_000)}` }));
    const nowhere = await refused('/nothing-here', '{}');
    expect([notJson.status, tooLarge.status, nowhere.status]).toEqual([400, 413, 404]);

    const lineOf = (requestId: string) => gatewayLog.find((line) => line.requestId === requestId && line.msg === 'request refused');
    await eventually(async () => [notJson, tooLarge, nowhere].every(({ requestId }) => lineOf(requestId)), 5_000);
    expect(lineOf(notJson.requestId)).toMatchObject({ level: 'info', method: 'POST', path: '/graphql', status: 400 });
    expect(lineOf(tooLarge.requestId)).toMatchObject({ path: '/graphql', status: 413 });
    expect(lineOf(nowhere.requestId)).toMatchObject({ path: '/nothing-here', status: 404 });
    // An operation GraphQL answered, refusals included, has its own line, "operation answered", and no second one.
    const answered = await sendRaw(platform.gatewayUrl, { query: '{ me { id } }' }, 'not-a-token', { 'x-request-id': `graphql-answered-${Date.now()}` });
    expect(answered.status).toBe(401);
    const answeredId = answered.headers.get('x-request-id')!;
    await eventually(async () => gatewayLog.some((line) => line.requestId === answeredId && line.msg === 'operation answered'), 5_000);
    expect(lineOf(answeredId)).toBeUndefined();
  });

  it('has a line when Apollo Server refuses it before any operation starts: variables that are no object, a GET without a CSRF preflight header', async () => {
    // Neither had a line: a malformed request is answered 200 to an application/json client (the refusal log
    // looked at the status only), and Apollo Server answers a CSRF refusal before its plugins hear of an
    // operation (the access log's), while the refusal log leaves whatever reached GraphQL to that one.
    const base = `refused-by-apollo-${Date.now()}`;
    const badVariables = await fetch(platform.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': `${base}-post` }, body: JSON.stringify({ query: '{ __typename }', variables: 'none' }) });
    const simpleGet = await fetch(`${platform.gatewayUrl}?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'x-request-id': `${base}-get` } });
    const answers = (await Promise.all([badVariables.json(), simpleGet.json()])) as { errors: { extensions: { code: string } }[] }[];
    expect(answers.map((answer) => answer.errors.map((error) => error.extensions.code))).toEqual([['BAD_REQUEST'], ['BAD_REQUEST']]);
    const logged = (requestId: string) => gatewayLog.find((line) => line.requestId === requestId && (line.msg === 'operation answered' || line.msg === 'request refused'));
    await eventually(async () => [`${base}-post`, `${base}-get`].every((requestId) => logged(requestId)), 5_000);
    // Refused before Apollo Server by the request's shape: 200 to an application/json client, which reads the body.
    expect(logged(`${base}-post`)).toMatchObject({ level: 'info', msg: 'request refused', method: 'POST', path: '/graphql', status: 200, reason: '`variables` must be an object if provided' });
    expect(logged(`${base}-get`)).toMatchObject({ level: 'info', msg: 'operation answered', operation: null, errors: ['BAD_REQUEST'] });
  });

  it('is logged so for a socket handshake too: from an Origin outside the CORS list', async () => {
    const requestId = `cross-site-${Date.now()}`;
    const socket = new WebSocket(platform.gatewayUrl.replace(/^http/, 'ws'), 'graphql-transport-ws', { origin: 'https://elsewhere.example', headers: { 'x-request-id': requestId } });
    // Ended here once refused: ws then reports "closed before the connection was established", which is no news.
    socket.on('error', () => undefined);
    const status = await new Promise<number>((resolve) => socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)));
    socket.terminate();
    expect(status).toBe(403);
    await eventually(async () => gatewayLog.some((line) => line.requestId === requestId && line.msg === 'request refused'), 5_000);
    expect(gatewayLog.find((line) => line.requestId === requestId && line.msg === 'request refused')).toMatchObject({ level: 'info', method: 'GET', path: '/graphql', status: 403, reason: 'Origin not allowed' });
  });
});

describe('operations over the socket that Apollo Server does not run', () => {
  it('are logged as "operation answered" under their own request id, as every HTTP operation is: subscriptions started or refused, documents that do not parse', async () => {
    const market = await silentSubgraph();
    const gateway = await platform.startGateway({ MARKET_URL: market.url });
    const url = gateway.url.replace(/^http/, 'ws');
    const anonymous = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0 });
    const signedIn = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { Authorization: `Bearer ${user.accessToken}` } });
    clients.push(anonymous, signedIn);
    const refusal = (client: Client, query: string) =>
      new Promise<unknown>((resolve, reject) => client.subscribe({ query }, { next: (result) => reject(new Error(`unexpected ${JSON.stringify(result)}`)), error: resolve, complete: () => reject(new Error('completed without an error')) }));
    await refusal(anonymous, 'subscription LoggedRefusal { ticks(symbols: ["BTC"]) { symbol } }');
    await refusal(anonymous, 'subscription LoggedUnparsed { ticks(');
    signedIn.subscribe({ query: 'subscription LoggedStart { ticks(symbols: ["BTC"]) { symbol } }' }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    await eventually(async () => gateway.live().clientSubscriptions === 1, 30_000);

    const answered = () => gatewayLog.filter((line) => line.msg === 'operation answered' && (line.type === 'subscription' || line.errors?.includes('GRAPHQL_PARSE_FAILED')));
    await eventually(async () => answered().length >= 3, 5_000);
    const lines = answered().map(({ operation, type, errors, requestId }) => ({ operation, type, errors, requestId: typeof requestId }));
    expect(lines).toEqual(
      expect.arrayContaining([
        { operation: 'LoggedRefusal', type: 'subscription', errors: ['UNAUTHENTICATED'], requestId: 'string' },
        { operation: null, type: null, errors: ['GRAPHQL_PARSE_FAILED'], requestId: 'string' },
        { operation: 'LoggedStart', type: 'subscription', errors: undefined, requestId: 'string' },
      ]),
    );
  }, 120_000);
});
