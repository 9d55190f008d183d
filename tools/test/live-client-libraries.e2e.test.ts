import vm from 'node:vm';
import { ApolloClient, gql, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { Client as UrqlClient, subscriptionExchange } from '@urql/core';
import { Client, createClient, FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { LiveTicksDocument, LiveTicksSubscription, MeDocument, MeQuery } from './support/operations.generated';
import { TestPlatform, startTestPlatform } from './support/platform';
import { eventually, signUp, SignedUpUser } from './support/users';

interface Ticks {
  ticks: { __typename: string; symbol: string; price: string; time: string }[];
}

let platform: TestPlatform;
let user: SignedUpUser;
const clients: Client[] = [];

beforeAll(async () => {
  platform = await startTestPlatform({ MARKET_INTERVAL_SECONDS: '1' }, { market: {} });
  await eventually(async () => platform.market!.snapshot.time !== null, 30_000);
  user = await signUp(platform);
}, 120_000);
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await platform?.stop();
}, 60_000);

const wsUrl = () => platform.gatewayUrl.replace(/^http/, 'ws');

function graphqlWsClient(url = wsUrl()): Client {
  const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { Authorization: `Bearer ${user.accessToken}` } });
  clients.push(client);
  return client;
}

describe('Apollo Client with GraphQLWsLink', () => {
  it('receives a tick exactly as the gateway sends it, then lets go of everything', async () => {
    // What Apollo Client sends: its cache adds `__typename` to every selection set.
    const sent = 'subscription { ticks(symbols: ["BTC"]) { symbol price time __typename } }';
    const raw = graphqlWsClient();
    const rawEvents: FormattedExecutionResult<Ticks, unknown>[] = [];
    const stopRaw = raw.subscribe<Ticks>({ query: sent }, { next: (event) => void rawEvents.push(event), error: () => undefined, complete: () => undefined });
    await eventually(async () => rawEvents.length > 0, 20_000);

    const wsClient = createClient({ url: wsUrl(), connectionParams: { Authorization: `Bearer ${user.accessToken}` }, webSocketImpl: WebSocket });
    const apollo = new ApolloClient({ link: new GraphQLWsLink(wsClient), cache: new InMemoryCache() });
    const received = await new Promise<ApolloClient.SubscribeResult<Ticks>>((resolve, reject) => {
      const subscription = apollo.subscribe<Ticks>({ query: gql`subscription { ticks(symbols: ["BTC"]) { symbol price time } }` }).subscribe({
        next: (result) => {
          subscription.unsubscribe();
          resolve(result);
        },
        error: reject,
      });
    });
    expect(received.error).toBeUndefined();
    const [tick, ...others] = received.data!.ticks;
    expect(others).toEqual([]);
    expect(tick).toEqual({ __typename: 'Tick', symbol: 'BTC', price: expect.stringMatching(/^\d+(\.\d+)?$/), time: expect.any(String) });

    // The same round, as a plain graphql-ws client of the same gateway received it.
    await eventually(async () => rawEvents.some((event) => event.data?.ticks[0]?.time === tick!.time), 10_000);
    const sameRound = rawEvents.find((event) => event.data?.ticks[0]?.time === tick!.time)!;
    expect(sameRound.errors).toBeUndefined();
    expect(received.data).toEqual(sameRound.data);

    apollo.stop();
    await wsClient.dispose();
    stopRaw();
    await raw.dispose();
    await eventually(async () => {
      const stats = platform.gateway.live();
      return stats.connections === 0 && stats.upstreamSubscriptions === 0 && stats.sharedSubscriptions === 0;
    }, 10_000);
  }, 60_000);
});

describe('urql with its subscriptionExchange over graphql-ws', () => {
  /** urql's documented wiring of graphql-ws (the client's sink is urql's observer), every operation over the socket. */
  const urqlOver = (ws: Client) =>
    new UrqlClient({
      url: platform.gatewayUrl,
      exchanges: [
        subscriptionExchange({
          enableAllOperations: true,
          forwardSubscription: (request) => ({ subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }) }),
        }),
      ],
    });

  it('receives ticks and sends queries over the socket as urql sends them (every operation through the exchange)', async () => {
    const urql = urqlOver(graphqlWsClient());

    const me = await urql.query<MeQuery>(MeDocument, {}).toPromise();
    expect(me.error).toBeUndefined();
    expect(me.data?.me).toMatchObject({ id: user.accountId, username: user.username });

    const received = await new Promise<LiveTicksSubscription>((resolve, reject) => {
      // The first round that quotes both (a round may lack a symbol its providers did not answer for).
      const { unsubscribe } = urql.subscription<LiveTicksSubscription>(LiveTicksDocument, { symbols: ['ETH', 'BTC'] }).subscribe((result) => {
        if (result.error) {
          unsubscribe();
          reject(result.error);
        } else if (result.data && result.data.ticks.length === 2) {
          unsubscribe();
          resolve(result.data);
        }
      });
    });
    expect(received.ticks.map((tick) => tick.symbol).sort()).toEqual(['BTC', 'ETH']);
    for (const tick of received.ticks) expect(tick).toMatchObject({ price: expect.stringMatching(/^\d+(\.\d+)?$/), time: expect.any(String) });

    // Anonymous through urql: the operation's own error, the socket stays.
    const anonymousWs = createClient({ url: wsUrl(), webSocketImpl: WebSocket, retryAttempts: 0 });
    clients.push(anonymousWs);
    const anonymous = urqlOver(anonymousWs);
    const refused = await new Promise<unknown>((resolve) => {
      const { unsubscribe } = anonymous.subscription(LiveTicksDocument, { symbols: ['BTC'] }).subscribe((result) => {
        unsubscribe();
        resolve(result.error?.graphQLErrors.map((error) => error.extensions?.code));
      });
    });
    expect(refused).toEqual(['UNAUTHENTICATED']);
  }, 60_000);
});

describe('Apollo Sandbox (development landing page)', () => {
  /** The options the page hands `new window.EmbeddedSandbox(…)`, run as a browser would at `pageUrl`. */
  function sandboxOptions(html: string, pageUrl: string): Record<string, unknown> {
    const script = [...html.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((match) => match[1]!).find((body) => body.includes('EmbeddedSandbox'));
    expect(script).toBeDefined();
    let options: Record<string, unknown> = {};
    const window = {
      location: { href: pageUrl },
      EmbeddedSandbox: class {
        constructor(given: Record<string, unknown>) {
          options = given;
        }
      },
    };
    vm.runInNewContext(script!, { window });
    return options;
  }

  it("points Sandbox's subscriptions at the gateway's graphql-ws URL", async () => {
    const page = await fetch(platform.gatewayUrl, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('initialSubscriptionEndpoint');

    const options = sandboxOptions(html, platform.gatewayUrl);
    expect(options.initialEndpoint).toBe(platform.gatewayUrl);
    expect(options.initialSubscriptionEndpoint).toBe(wsUrl());
    expect(options.initialSubscriptionEndpoint).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/graphql$/);
    // Behind TLS the browser's page is https, so Sandbox gets wss.
    expect(sandboxOptions(html, 'https://api.example.com/graphql').initialSubscriptionEndpoint).toBe('wss://api.example.com/graphql');

    // And that URL speaks graphql-ws.
    const client = graphqlWsClient(String(options.initialSubscriptionEndpoint));
    const result = await new Promise<FormattedExecutionResult<{ __typename: string }, unknown>>((resolve, reject) => {
      client.subscribe<{ __typename: string }>({ query: '{ __typename }' }, { next: resolve, error: reject, complete: () => undefined });
    });
    expect(result.data?.__typename).toBe('Query');
  });
});
