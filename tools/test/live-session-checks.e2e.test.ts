import { GraphQLFormattedError } from 'graphql';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { codes, send, sendRaw } from './support/graphql-client';
import { LogoutDocument, MeDocument } from './support/operations.generated';
import { TestPlatform, startTestPlatform } from './support/platform';
import { eventually, logIn, signUp, SignedUpUser } from './support/users';

/**
 * The session behind an open socket is checked as HTTP checks each request's: with a session
 * check of a few seconds, a socket must not outlast what HTTP already refuses.
 */
let platform: TestPlatform;
let user: SignedUpUser;
const clients: Client[] = [];

beforeAll(async () => {
  platform = await startTestPlatform({ SESSION_CHECK_SECONDS: '4' });
  user = await signUp(platform);
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await platform?.stop();
}, 60_000);

function connect(accessToken: string): { client: Client; closed: Promise<number> } {
  let closedWith: (code: number) => void = () => undefined;
  const closed = new Promise<number>((resolve) => (closedWith = resolve));
  const client = createClient({
    url: platform.gatewayUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: { Authorization: `Bearer ${accessToken}` },
    onNonLazyError: () => undefined,
    on: { closed: (event) => closedWith((event as { code: number }).code) },
  });
  clients.push(client);
  return { client, closed };
}

/** The answer to a query on the socket: its result, the error codes of an `error` message, or 'closed'. */
function ask(client: Client, query: string): Promise<unknown> {
  return new Promise((resolve) =>
    client.subscribe({ query }, {
      next: (result) => resolve(result),
      error: (error) => resolve(Array.isArray(error) ? error.map((each: GraphQLFormattedError) => each.extensions?.code) : 'closed'),
      complete: () => undefined,
    }),
  );
}

describe('a socket whose session ends', () => {
  it('answers no query once HTTP refuses the token', async () => {
    const session = await logIn(platform, user.username, user.password);
    const { client } = connect(session.accessToken);
    expect(await ask(client, '{ me { id } }')).toEqual({ data: { me: { id: user.accountId } } });
    await send(platform.gatewayUrl, LogoutDocument, { refreshToken: session.refreshToken });
    await eventually(async () => (await sendRaw(platform.gatewayUrl, { query: '{ me { id } }' }, session.accessToken)).status === 401);
    // Being closed (4403) or still open, it answers no data any more.
    expect([['UNAUTHENTICATED'], 'closed']).toContainEqual(await ask(client, '{ me { id } }'));
  }, 30_000);
});

describe('auth unreachable while a socket is open', () => {
  it('closes the socket with 1013, as HTTP answers 503, rather than let it go on unchecked', async () => {
    const { client, closed } = connect(user.accessToken);
    expect(await ask(client, '{ me { id } }')).toEqual({ data: { me: { id: user.accountId } } });
    await platform.auth.stop();
    expect(await closed).toBe(1013);
    const overHttp = await send(platform.gatewayUrl, MeDocument, {}, user.accessToken);
    expect({ status: overHttp.status, retryAfter: overHttp.headers.get('retry-after'), codes: codes(overHttp) }).toEqual({ status: 503, retryAfter: '1', codes: ['SERVICE_UNAVAILABLE'] });
  }, 30_000);
});
