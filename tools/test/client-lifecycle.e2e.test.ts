import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ApolloClient, ApolloLink, CombinedGraphQLErrors, gql, HttpLink, InMemoryCache, ServerError } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { ErrorLink } from '@apollo/client/link/error';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { Client as WsClient, createClient } from 'graphql-ws';
import { from as fromPromise, switchMap } from 'rxjs';
import WebSocket from 'ws';
import {
  AddTransactionDocument,
  ConfirmEmailDocument,
  CreatePortfolioDocument,
  CreateStrategyDocument,
  LiveTicksDocument,
  LiveTicksSubscription,
  LoginDocument,
  LogoutDocument,
  MarketSnapshotDocument,
  MeDocument,
  OrdersDocument,
  PlaceBuyOrderDocument,
  PortfoliosDocument,
  PortfolioValuationDocument,
  RefreshTokenDocument,
  RegisterDocument,
  SetPasswordDocument,
  StrategiesDocument,
  TransactionsDocument,
} from './support/operations.generated';
import { send, sendRaw } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { orderPricesReady } from './support/orders';
import { tokenInLink } from './support/smtp-mailbox';
import { eventually, STRONG_PASSWORD } from './support/users';

/**
 * A user's whole life through the client most web apps use: Apollo Client with
 * an HttpLink behind the auth link Apollo's docs show (the stored access token on
 * every operation) and a refresh on UNAUTHENTICATED, and a GraphQLWsLink whose
 * `connectionParams` is a function, so a reconnect sends the token stored then.
 */

const ACCESS_TOKEN_TTL_SECONDS = 12;

interface StoredSession {
  accessToken?: string;
  refreshToken?: string;
  expiresAt?: string;
}

interface TestClient {
  apollo: ApolloClient;
  ws: WsClient;
  session: StoredSession;
  /** Close codes the socket saw, in order. */
  closes: number[];
  /** Refreshes the error link made (successful or not). */
  refreshes: { ok: boolean; status?: number; codes: unknown[] }[];
}

let platform: TestPlatform;

// Apollo Client reads a global WebSocket when a socket operation fails; Node 20 has none (see the README's snippet).
globalThis.WebSocket ??= WebSocket as unknown as typeof globalThis.WebSocket;

beforeAll(async () => {
  platform = await startTestPlatform(
    { MARKET_INTERVAL_SECONDS: '1', ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TOKEN_TTL_SECONDS), SESSION_CHECK_SECONDS: '1' },
    { market: {}, analysis: {}, orders: {} },
  );
  await orderPricesReady(platform, 30_000);
}, 120_000);

const clients: TestClient[] = [];
afterAll(async () => {
  for (const client of clients) {
    client.apollo.stop();
    await client.ws.dispose();
  }
  await platform?.stop();
}, 60_000);

/**
 * The client. `refreshWithoutHeader`: whether the refresh leaves the stored
 * (expired) access token out; Apollo's docs pattern does not, its auth link
 * attaches the stored token to every operation.
 */
function apolloClient(options: { refreshWithoutHeader: boolean }): TestClient {
  const session: StoredSession = {};
  const closes: number[] = [];
  const refreshes: TestClient['refreshes'] = [];
  const authLink = new SetContextLink((prevContext) =>
    prevContext.skipAuth ? {} : { headers: { ...prevContext.headers, authorization: session.accessToken ? `Bearer ${session.accessToken}` : '' } },
  );
  const refresh = async (): Promise<void> => {
    try {
      const { data } = await apollo.mutate({ mutation: RefreshTokenDocument, variables: { token: session.refreshToken! }, context: { skipAuth: options.refreshWithoutHeader } });
      Object.assign(session, data!.refreshToken);
      refreshes.push({ ok: true, codes: [] });
    } catch (error) {
      refreshes.push({
        ok: false,
        status: ServerError.is(error) ? error.statusCode : undefined,
        codes: CombinedGraphQLErrors.is(error) ? error.errors.map((each) => each.extensions?.code) : [],
      });
      throw error;
    }
  };
  const errorLink = new ErrorLink(({ error, operation, forward }) => {
    if (operation.operationName === 'RefreshToken' || !session.refreshToken) return;
    const unauthenticated =
      (CombinedGraphQLErrors.is(error) && error.errors.some((each) => each.extensions?.code === 'UNAUTHENTICATED')) || (ServerError.is(error) && error.statusCode === 401);
    if (!unauthenticated) return;
    return fromPromise(refresh()).pipe(switchMap(() => forward(operation)));
  });
  const ws = createClient({
    url: platform.gatewayUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: () => (session.accessToken ? { Authorization: `Bearer ${session.accessToken}` } : {}),
    on: { closed: (event) => void closes.push((event as { code: number }).code) },
  });
  const http = ApolloLink.from([errorLink, authLink, new HttpLink({ uri: platform.gatewayUrl })]);
  const isSubscription = ({ query }: ApolloLink.Operation) => {
    const definition = getMainDefinition(query);
    return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
  };
  const apollo = new ApolloClient({
    link: ApolloLink.split(isSubscription, new GraphQLWsLink(ws), http),
    cache: new InMemoryCache(),
    defaultOptions: { query: { fetchPolicy: 'network-only' } },
  });
  const client = { apollo, ws, session, closes, refreshes };
  clients.push(client);
  return client;
}

/** register → the mailed link → confirmEmail → setPassword → login, through the client. */
async function signUpThrough(client: TestClient): Promise<{ username: string; email: string }> {
  const username = `life${randomUUID().slice(0, 8)}`;
  const email = `${username}@example.com`;
  const registered = await client.apollo.mutate({ mutation: RegisterDocument, variables: { input: { username, email, firstName: 'Grace', lastName: 'Hopper' } } });
  expect(registered.data?.register.message).toEqual(expect.any(String));
  const mail = await platform.mailbox.waitFor(email);
  const link = new URL(/https?:\/\/\S+/.exec(mail.text)![0]);
  // The link opens this gateway's confirmation page (named `localhost` by default).
  expect(link.port).toBe(new URL(platform.gatewayUrl).port);
  expect(link.pathname).toBe('/confirm-email');
  const confirmed = await client.apollo.mutate({ mutation: ConfirmEmailDocument, variables: { token: link.searchParams.get('token')! } });
  const setup = confirmed.data!.confirmEmail.passwordSetupToken;
  const set = await client.apollo.mutate({ mutation: SetPasswordDocument, variables: { token: setup, password: STRONG_PASSWORD } });
  expect(set.data?.setPassword).toBe(true);
  const login = await client.apollo.mutate({ mutation: LoginDocument, variables: { usernameOrEmail: username, password: STRONG_PASSWORD } });
  Object.assign(client.session, login.data!.login);
  return { username, email };
}

/** Waits until the token the client holds has expired (the gateway counts whole seconds). */
async function untilExpired(session: StoredSession): Promise<void> {
  const wait = new Date(session.expiresAt!).getTime() + 1_100 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

describe("a user's whole life through Apollo Client (HttpLink + auth link + GraphQLWsLink)", () => {
  let client: TestClient;
  let user: { username: string; email: string };
  let strategyId: string;
  let portfolioId: string;
  const ticks: LiveTicksSubscription['ticks'][] = [];
  const tickErrors: unknown[] = [];

  it('signs up from the mailed link, signs in and reads `me`', async () => {
    client = apolloClient({ refreshWithoutHeader: true });
    user = await signUpThrough(client);
    const me = await client.apollo.query({ query: MeDocument });
    expect(me.data?.me).toMatchObject({ username: user.username, email: user.email, status: 'ACTIVE', roles: ['USER'], lastLoginAt: expect.any(String) });
  });

  it('places an order, saves a strategy and a portfolio, and reads them back', async () => {
    const order = await client.apollo.mutate({ mutation: PlaceBuyOrderDocument, variables: { input: { asset: 'BTC', currency: 'EUR', amount: '250.00', idempotencyKey: randomUUID() } } });
    expect(order.data?.placeBuyOrder).toMatchObject({ status: 'FILLED', amount: '250', currency: 'EUR', asset: { symbol: 'BTC' } });
    const orders = await client.apollo.query({ query: OrdersDocument, variables: { first: 10 } });
    expect(orders.data?.orders.nodes.map((node) => node.id)).toEqual([order.data!.placeBuyOrder.id]);
    // The fill reaches the default portfolio (made by it, in USD) as a BUY naming the order. Polled gently: a USER has 60 operations a minute.
    let bought: unknown[] = [];
    for (let attempt = 0; attempt < 20 && bought.length === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const portfolios = await client.apollo.query({ query: PortfoliosDocument });
      const fallback = portfolios.data?.portfolios.find((portfolio) => portfolio.isDefault);
      if (fallback) bought = (await client.apollo.query({ query: TransactionsDocument, variables: { portfolioId: fallback.id } })).data!.transactions.nodes;
    }
    expect(bought).toEqual([expect.objectContaining({ kind: 'BUY', symbol: 'BTC', quantity: order.data!.placeBuyOrder.quantity, sourceId: order.data!.placeBuyOrder.id })]);

    const created = await client.apollo.mutate({
      mutation: CreateStrategyDocument,
      variables: {
        input: {
          name: 'Oversold',
          symbols: ['BTC', 'ETH'],
          interval: 'M5',
          indicators: [{ name: 'rsi14', kind: 'RSI', period: 14 }],
          condition: 'rsi14 < 30.0',
          trigger: 'ON_CROSS',
          channels: { inApp: true, email: false },
        },
      },
    });
    strategyId = created.data!.createStrategy.strategy.id;
    const strategies = await client.apollo.query({ query: StrategiesDocument, variables: { first: 10 } });
    expect(strategies.data?.strategies.nodes.map((node) => node.id)).toEqual([strategyId]);

    const portfolio = await client.apollo.mutate({ mutation: CreatePortfolioDocument, variables: { name: 'Long term', baseCurrency: 'EUR' } });
    portfolioId = portfolio.data!.createPortfolio.id;
    await client.apollo.mutate({ mutation: AddTransactionDocument, variables: { portfolioId, input: { kind: 'DEPOSIT', quantity: '1000' } } });
    const valued = await client.apollo.query({ query: PortfolioValuationDocument, variables: { id: portfolioId } });
    expect(valued.data?.portfolio).toMatchObject({ id: portfolioId, baseCurrency: 'EUR', balance: { cash: '1000' } });
  });

  it('receives live ticks over the GraphQLWsLink', async () => {
    client.apollo.subscribe({ query: LiveTicksDocument, variables: { symbols: ['BTC'] } }).subscribe({
      next: (result) => (result.error ? tickErrors.push(result.error) : ticks.push(result.data!.ticks)),
      error: (error) => void tickErrors.push(error),
    });
    await eventually(async () => ticks.length > 0, 20_000);
    expect(ticks[0]).toEqual([expect.objectContaining({ symbol: 'BTC', price: expect.stringMatching(/^\d+(\.\d+)?$/) })]);
    expect(tickErrors).toEqual([]);
  });

  it('at expiry: the socket is closed with 4403, the next request refreshes, and both go on with the new token', async () => {
    const expired = client.session.accessToken!;
    // On a loaded machine the steps before may outlast the 12 s token and refresh it already: this expiry's refresh is counted alone.
    const refreshedBefore = client.refreshes.length;
    await untilExpired(client.session);
    const me = await client.apollo.query({ query: MeDocument });
    expect(me.data?.me?.username).toBe(user.username);
    expect(client.refreshes.slice(refreshedBefore)).toEqual([{ ok: true, codes: [] }]);
    expect(client.session.accessToken).not.toBe(expired);

    // graphql-ws retries a 4403 (Forbidden "might grant access after retry"), calling connectionParams again.
    await eventually(async () => client.closes.includes(4403), 10_000);
    const seen = ticks.length;
    await eventually(async () => ticks.length >= seen + 2, 30_000);
    expect(tickErrors).toEqual([]);
    expect(platform.gateway.live().connections).toBe(1);

    // And the rest of the user's data is there with the new token.
    const strategies = await client.apollo.query({ query: StrategiesDocument, variables: { first: 10 } });
    expect(strategies.data?.strategies.nodes.map((node) => node.id)).toEqual([strategyId]);
  }, 60_000);

  it('logs out: the refresh token is spent, the old access token stops working, and the client goes on anonymously', async () => {
    const { accessToken, refreshToken } = client.session;
    const out = await client.apollo.mutate({ mutation: LogoutDocument, variables: { refreshToken } });
    expect(out.data?.logout).toBe(true);
    // What a client does on logout: forget the tokens, end the socket, clear the cache.
    client.session.accessToken = client.session.refreshToken = undefined;
    await client.ws.dispose();
    await client.apollo.clearStore();

    const snapshot = await client.apollo.query({ query: MarketSnapshotDocument, variables: { symbols: ['BTC'] } });
    expect(snapshot.data?.marketSnapshot.ticks.map((tick) => tick.symbol)).toEqual(['BTC']);
    const anonymousMe = await client.apollo.query({ query: MeDocument, errorPolicy: 'all' });
    expect(anonymousMe.data?.me ?? null).toBeNull();
    expect(CombinedGraphQLErrors.is(anonymousMe.error) && anonymousMe.error.errors.map((error) => [error.extensions?.code, error.path])).toEqual([['UNAUTHENTICATED', ['me']]]);

    const reused = await send(platform.gatewayUrl, RefreshTokenDocument, { token: refreshToken! });
    expect(reused.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    await eventually(async () => (await send(platform.gatewayUrl, MeDocument, {}, accessToken)).status === 401, 5_000);
  });
});

describe("Apollo's docs pattern: the auth link attaches the stored token to every operation, an expired one too", () => {
  let client: TestClient;
  let username: string;
  let stale: string;
  beforeAll(async () => {
    client = apolloClient({ refreshWithoutHeader: false });
    ({ username } = await signUpThrough(client));
    stale = client.session.accessToken!;
    await untilExpired(client.session);
  }, 60_000);

  // A refused token fails only operations that need a sign-in: `refreshToken`, `login` and `logout` run as for anyone.
  it("refreshes the session (the error link's refresh after the 401 of `me`)", async () => {
    const me = await client.apollo.query({ query: MeDocument });
    expect(client.refreshes).toEqual([{ ok: true, codes: [] }]);
    expect(me.data?.me?.username).toBe(username);
  });

  it('signs in again', async () => {
    client.session.accessToken = stale;
    const login = await client.apollo.mutate({ mutation: LoginDocument, variables: { usernameOrEmail: username, password: STRONG_PASSWORD } });
    expect(login.data?.login.accessToken).toEqual(expect.any(String));
  });

  it('ends the session with its refresh token', async () => {
    client.session.accessToken = stale;
    const out = await client.apollo.mutate({ mutation: LogoutDocument, variables: { refreshToken: client.session.refreshToken } });
    expect(out.data?.logout).toBe(true);
  });

  it('reads public data, while an operation that needs a sign-in is still refused with 401 and the Bearer challenge', async () => {
    const snapshot = await send(platform.gatewayUrl, MarketSnapshotDocument, { symbols: ['BTC'] }, stale);
    expect([snapshot.status, snapshot.errors, snapshot.data?.marketSnapshot.ticks.map((tick) => tick.symbol)]).toEqual([200, undefined, ['BTC']]);
    const me = await send(platform.gatewayUrl, MeDocument, {}, stale);
    expect([me.status, me.headers.get('www-authenticate'), me.errors?.map((error) => error.extensions?.code), me.data]).toEqual([401, 'Bearer error="invalid_token"', ['UNAUTHENTICATED'], undefined]);
  });
});

describe('the README, exactly as written', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  /** A line copied from the README: the test fails when the README no longer says it. */
  const fromReadme = (text: string) => {
    expect(readme).toContain(text);
    return text;
  };

  it('the Sandbox walk-through: register → mailed token → confirmEmail → setPassword → login → me with the Authorization header', async () => {
    const register = fromReadme('mutation { register(input: { username: "ada", email: "ada@example.com", firstName: "Ada", lastName: "Lovelace" }) { message } }');
    expect((await sendRaw(platform.gatewayUrl, { query: register })).data).toEqual({ register: { message: expect.any(String) } });
    const token = tokenInLink(await platform.mailbox.waitFor('ada@example.com'));

    const confirm = fromReadme('mutation { confirmEmail(token: "<token from the link>") { passwordSetupToken expiresAt } }');
    const confirmed = await sendRaw<{ confirmEmail: { passwordSetupToken: string; expiresAt: string } }>(platform.gatewayUrl, { query: confirm.replace('<token from the link>', token) });
    expect(confirmed.errors).toBeUndefined();

    const setPassword = fromReadme('mutation { setPassword(token: "<passwordSetupToken>", password: "a long passphrase you like") }');
    const set = await sendRaw(platform.gatewayUrl, { query: setPassword.replace('<passwordSetupToken>', confirmed.data!.confirmEmail.passwordSetupToken) });
    expect(set.data).toEqual({ setPassword: true });

    const login = fromReadme('mutation { login(usernameOrEmail: "ada", password: "a long passphrase you like") { accessToken refreshToken expiresAt } }');
    const tokens = await sendRaw<{ login: { accessToken: string } }>(platform.gatewayUrl, { query: login });
    expect(tokens.data?.login).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresAt: expect.any(String) });

    fromReadme('In Sandbox\'s **Headers** tab add `Authorization: Bearer <accessToken>`');
    const me = fromReadme('query { me { id username email status roles lastLoginAt } }');
    const answered = await sendRaw(platform.gatewayUrl, { query: me }, undefined, { Authorization: `Bearer ${tokens.data!.login.accessToken}` });
    expect(answered.data).toEqual({ me: { id: expect.any(String), username: 'ada', email: 'ada@example.com', status: 'ACTIVE', roles: ['USER'], lastLoginAt: expect.any(String) } });

    // The market queries the README gives for Sandbox, with the same header.
    const headers = { Authorization: `Bearer ${tokens.data!.login.accessToken}` };
    for (const query of [
      'query { marketSnapshot(symbols: ["BTC", "ETH"]) { time ticks { symbol price percentChange24h source asset { name } } global { btcDominance totalMarketCap } } }',
      'query { candles(symbol: "BTC", interval: M1, first: 10) { nodes { openTime open high low close volume tickCount closed } } }',
      'query { ticks(symbol: "ETH", from: "2026-01-01T00:00:00Z", first: 100) { edges { cursor node { price time global { btcDominance } } } pageInfo { hasNextPage endCursor } } }',
    ]) {
      const result = await sendRaw(platform.gatewayUrl, { query: fromReadme(query) }, undefined, headers);
      expect({ query, errors: result.errors }).toEqual({ query, errors: undefined });
    }
  });

  it("the subscriptions section's Apollo Client snippet receives ticks", async () => {
    fromReadme("connectionParams: { Authorization: `Bearer ${accessToken}` } })),");
    const { accessToken } = (await sendRaw<{ login: { accessToken: string } }>(platform.gatewayUrl, { query: 'mutation { login(usernameOrEmail: "ada", password: "a long passphrase you like") { accessToken } }' })).data!.login;
    const received: unknown[] = [];
    const console = { log: (ticks: unknown) => void received.push(ticks) };

    // Copied from the README; only the URL is this platform's.
    const client = new ApolloClient({
      link: new GraphQLWsLink(createClient({ url: platform.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${accessToken}` } })),
      cache: new InMemoryCache(),
    });
    const subscription = client
      .subscribe<{ ticks: { symbol: string; price: string; time: string }[] }>({
        query: gql`subscription { ticks(symbols: ["BTC", "ETH"]) { symbol price time asset { name } global { btcDominance } } }`,
      })
      .subscribe({ next: ({ data }) => console.log(data?.ticks) });

    await eventually(async () => received.length > 0, 20_000);
    subscription.unsubscribe();
    client.stop();
    expect(received[0]).toEqual(
      expect.arrayContaining([expect.objectContaining({ __typename: 'Tick', symbol: 'BTC', price: expect.any(String), asset: { __typename: 'Asset', name: 'Bitcoin' }, global: expect.objectContaining({ btcDominance: expect.any(String) }) })]),
    );
  });
});
