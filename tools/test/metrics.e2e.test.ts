import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { findSamples, MetricSample, parsePrometheusText, sampleValue } from '@herck/common';
import { codes, sendRaw } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { eventually, signUp, SignedUpUser } from './support/users';

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

let platform: TestPlatform;
let user: SignedUpUser;
const clients: Client[] = [];

beforeAll(async () => {
  platform = await startTestPlatform();
  user = await signUp(platform);
}, 120_000);
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await platform?.stop();
}, 60_000);

const metricsUrl = (graphqlUrl: string) => graphqlUrl.replace(/\/graphql$/, '/metrics');

/** GET /metrics, checked to be Prometheus' text format, parsed. */
async function scrape(graphqlUrl: string, token?: string): Promise<MetricSample[]> {
  const response = await fetch(metricsUrl(graphqlUrl), { headers: token ? { authorization: `Bearer ${token}` } : {} });
  expect({ status: response.status, type: response.headers.get('content-type') }).toEqual({ status: 200, type: PROMETHEUS_TEXT });
  return parsePrometheusText(await response.text());
}

/** Fetches the gateway made to `subgraph` with that outcome (0 before the first). */
const fetches = (samples: MetricSample[], subgraph: string, outcome = 'ok') =>
  sampleValue(samples, 'herck_subgraph_fetch_duration_seconds_count', { service: 'gateway', subgraph, outcome }) ?? 0;

describe('/metrics', () => {
  it("counts a query at the gateway, times the fetch of the subgraph that served it, and the subgraph counts its part", async () => {
    const before = await scrape(platform.gatewayUrl);
    const profile = await sendRaw<{ me: { username: string } }>(platform.gatewayUrl, { query: 'query MetricsProfile { me { username } }' }, user.accessToken);
    expect(profile.data?.me.username).toBe(user.username);
    const denied = await sendRaw(platform.gatewayUrl, { query: 'query MetricsDenied { accounts(first: 1) { totalCount } }' }, user.accessToken);
    expect(codes(denied)).toEqual(['FORBIDDEN']);
    const after = await scrape(platform.gatewayUrl);

    const counted = (operation: string) =>
      findSamples(after, 'herck_graphql_operations_total', { operation }).map(({ labels, value }) => ({ ...labels, value }));
    expect(counted('MetricsProfile')).toEqual([{ service: 'gateway', type: 'query', operation: 'MetricsProfile', outcome: 'ok', value: 1 }]);
    expect(counted('MetricsDenied')).toEqual([{ service: 'gateway', type: 'query', operation: 'MetricsDenied', outcome: 'error', value: 1 }]);
    expect(sampleValue(after, 'herck_graphql_operation_duration_seconds_count', { operation: 'MetricsProfile', outcome: 'ok' })).toBe(1);
    expect(sampleValue(after, 'herck_graphql_operation_duration_seconds_sum', { operation: 'MetricsProfile', outcome: 'ok' })).toBeGreaterThan(0);

    // `me { username }` is account's alone; the denied field was never fetched.
    expect(fetches(after, 'account') - fetches(before, 'account')).toBe(1);
    expect(fetches(after, 'auth') - fetches(before, 'auth')).toBe(0);
    const slowest = findSamples(after, 'herck_subgraph_fetch_duration_seconds_bucket', { subgraph: 'account', outcome: 'ok', le: '+Inf' });
    expect(slowest.map((bucket) => bucket.value)).toEqual([fetches(after, 'account')]);
    expect(sampleValue(after, 'herck_subgraph_fetch_duration_seconds_sum', { subgraph: 'account', outcome: 'ok' })).toBeGreaterThan(0);
    expect(sampleValue(after, 'nodejs_eventloop_lag_seconds', { service: 'gateway' })).toBeGreaterThanOrEqual(0);

    // The subgraph counts the operation the gateway's query plan sent it, named after the client's.
    const account = await scrape(platform.account.url);
    const planned = findSamples(account, 'herck_graphql_operations_total').filter((sample) => sample.labels.operation!.startsWith('MetricsProfile'));
    expect(planned.map(({ labels, value }) => ({ type: labels.type, operation: labels.operation, outcome: labels.outcome, value }))).toEqual([
      { type: 'query', operation: 'MetricsProfile__account__0', outcome: 'ok', value: 1 },
    ]);
    expect(findSamples(account, 'herck_graphql_operation_duration_seconds_count', { operation: 'MetricsProfile__account__0' }).map((sample) => sample.value)).toEqual([1]);
    // The gateway's scrape just ran the process's lag probe, so the figure is a measurement, not the initial 0.
    expect(sampleValue(account, 'nodejs_eventloop_lag_seconds')).toBeGreaterThan(0);
    const auth = await scrape(platform.auth.url);
    expect(findSamples(auth, 'herck_graphql_operations_total').filter((sample) => sample.labels.operation!.startsWith('MetricsProfile'))).toEqual([]);
    // Auth consumes account's events: its bus lag and dead letters, labelled with the consumer.
    expect(sampleValue(auth, 'herck_bus_lag_events', { service: 'auth', consumer: 'auth' })).toBeGreaterThanOrEqual(0);
    expect(sampleValue(auth, 'herck_bus_dead_letters', { service: 'auth', consumer: 'auth' })).toBe(0);
    // Account consumes auth's role events (to know its admins): labelled with its own name.
    expect(findSamples(account, 'herck_bus_lag_events').map((sample) => sample.labels)).toEqual([{ service: 'account', consumer: 'account' }]);
  });

  it('shows open graphql-ws connections at the gateway', async () => {
    const wsGauges = async () => {
      const samples = await scrape(platform.gatewayUrl);
      return {
        connections: sampleValue(samples, 'herck_ws_connections', { service: 'gateway' }),
        subscriptions: sampleValue(samples, 'herck_ws_subscriptions', { service: 'gateway' }),
        dropped: sampleValue(samples, 'herck_ws_dropped_events_total', { service: 'gateway' }),
      };
    };
    expect(await wsGauges()).toEqual({ connections: 0, subscriptions: 0, dropped: 0 });
    let connected: () => void = () => undefined;
    const acknowledged = new Promise<void>((resolve) => (connected = resolve));
    const client = createClient({
      url: platform.gatewayUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams: { Authorization: `Bearer ${user.accessToken}` },
      onNonLazyError: () => undefined,
      on: { connected: () => connected() },
    });
    clients.push(client);
    await acknowledged;
    expect(await wsGauges()).toEqual({ connections: 1, subscriptions: 0, dropped: 0 });
    await client.dispose();
    await eventually(async () => (await wsGauges()).connections === 0, 10_000);
  });

  it('counts the subscriptions the gateway runs itself, started or refused, by type and name', async () => {
    const start = (query: string, connectionParams: Record<string, unknown>) => {
      const client = createClient({ url: platform.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, lazy: true, retryAttempts: 0, connectionParams });
      clients.push(client);
      return new Promise<string>((resolve) => client.subscribe({ query }, { next: () => resolve('next'), error: () => resolve('error'), complete: () => resolve('complete') }));
    };
    // Anonymous: refused (UNAUTHENTICATED) before it starts.
    expect(await start('subscription MetricsTicksAnonymous { ticks { symbol } }', {})).toBe('error');
    // Signed in: it starts (with no market in this platform, it ends soon after).
    void start('subscription MetricsTicks { ticks { symbol } }', { Authorization: `Bearer ${user.accessToken}` });
    const counted = async (operation: string) =>
      findSamples(await scrape(platform.gatewayUrl), 'herck_graphql_operations_total', { operation }).map(({ labels, value }) => [labels.type, labels.outcome, value]);
    await eventually(async () => (await counted('MetricsTicks')).length > 0);
    expect(await counted('MetricsTicks')).toEqual([['subscription', 'ok', 1]]);
    expect(await counted('MetricsTicksAnonymous')).toEqual([['subscription', 'error', 1]]);
  });

  it('with METRICS_TOKEN set, answers only a request bearing it', async () => {
    const guarded = await platform.startGateway({ METRICS_TOKEN: 'scrape-me-please' });
    for (const authorization of [undefined, 'Bearer wrong-token']) {
      const response = await fetch(metricsUrl(guarded.url), { headers: authorization ? { authorization } : {} });
      expect({ authorization, status: response.status }).toEqual({ authorization, status: 401 });
      expect(await response.text()).not.toContain('herck_');
    }
    await sendRaw(guarded.url, { query: 'query MetricsGuarded { __typename }' });
    const samples = await scrape(guarded.url, 'scrape-me-please');
    expect(sampleValue(samples, 'herck_graphql_operations_total', { service: 'gateway', operation: 'MetricsGuarded', outcome: 'ok' })).toBe(1);
    // Every gateway has metrics of its own: the first one never saw this operation.
    expect(findSamples(await scrape(platform.gatewayUrl), 'herck_graphql_operations_total', { operation: 'MetricsGuarded' })).toEqual([]);
  });

  it('counts the operations refused by the rate limit', async () => {
    const limited = await platform.startGateway({ RATE_LIMIT_ANONYMOUS_PER_MINUTE: '2' });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1) statuses.push((await sendRaw(limited.url, { query: 'query MetricsLimited { __typename }' })).status);
    expect(statuses).toEqual([200, 200, 429, 429, 429]);
    const samples = await scrape(limited.url);
    expect(sampleValue(samples, 'herck_rate_limited_operations_total', { service: 'gateway' })).toBe(3);
    expect(sampleValue(samples, 'herck_graphql_operations_total', { operation: 'MetricsLimited', outcome: 'error' })).toBe(3);
    expect(sampleValue(samples, 'herck_graphql_operations_total', { operation: 'MetricsLimited', outcome: 'ok' })).toBe(2);
  });
});
