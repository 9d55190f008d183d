import http from 'node:http';
import { ApolloServer, BaseContext } from '@apollo/server';
import {
  findSamples,
  GraphqlHttpService,
  GraphqlHttpServiceOptions,
  Logger,
  MetricSample,
  MetricsRegistry,
  OperationMetrics,
  parsePrometheusText,
  sampleValue,
} from '../src';
import { clientGoneSignal } from '../src/server/client-gone';
import { until } from '../src/testing/until';

const silent = new Logger('test', 'error', {}, () => undefined);
const typeDefs = 'type Query { hello: String, boom: String }';
const resolvers = {
  Query: {
    hello: () => 'world',
    boom: () => {
      throw new Error('boom');
    },
  },
};
const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop()));
});

/** A real GraphqlHttpService on an ephemeral port. */
async function serve(options: Partial<GraphqlHttpServiceOptions<BaseContext>> = {}) {
  const service = new GraphqlHttpService<BaseContext>({ logger: silent, apollo: { typeDefs, resolvers }, context: async () => ({}), ...options });
  const url = await service.listen(0, '127.0.0.1');
  running.push(service);
  const post = async (query: string) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    await response.text();
  };
  return { service, post, url, metricsUrl: url.replace(/\/graphql$/, '/metrics') };
}

async function scrape(metricsUrl: string): Promise<MetricSample[]> {
  const response = await fetch(metricsUrl);
  expect({ status: response.status, type: response.headers.get('content-type') }).toEqual({ status: 200, type: PROMETHEUS_TEXT });
  return parsePrometheusText(await response.text());
}

const operations = (samples: MetricSample[], labels: Record<string, string>) => sampleValue(samples, 'herck_graphql_operations_total', labels);

describe('MetricsRegistry', () => {
  it('keeps each service instance its own metrics, labelled with its service, beside its process figures', async () => {
    const first = new MetricsRegistry('first');
    const second = new MetricsRegistry('second');
    // The same name in two registries of one process: no clash.
    first.counter({ name: 'herck_test_things_total', help: 'Things.' }).inc(2);
    second.counter({ name: 'herck_test_things_total', help: 'Things.' }).inc(5);
    for (const [registry, service, things] of [
      [first, 'first', 2],
      [second, 'second', 5],
    ] as const) {
      const samples = parsePrometheusText(await registry.exposition());
      expect(findSamples(samples, 'herck_test_things_total')).toEqual([{ name: 'herck_test_things_total', labels: { service }, value: things }]);
      expect(samples.every((sample) => sample.labels.service === service)).toBe(true);
      expect(sampleValue(samples, 'nodejs_eventloop_lag_seconds', { service })).toBeGreaterThanOrEqual(0);
      expect(sampleValue(samples, 'process_resident_memory_bytes', { service })).toBeGreaterThan(0);
    }
    expect(first.contentType).toBe(PROMETHEUS_TEXT);
  });

  it('reads a registered gauge at each scrape', async () => {
    const metrics = new MetricsRegistry('queue');
    let length = 3;
    metrics.registerGauge('herck_test_queue_length', 'Queued.', () => length);
    expect(sampleValue(parsePrometheusText(await metrics.exposition()), 'herck_test_queue_length')).toBe(3);
    length = 8;
    expect(sampleValue(parsePrometheusText(await metrics.exposition()), 'herck_test_queue_length')).toBe(8);
  });
});

describe('GraphqlHttpService /metrics', () => {
  it('counts every operation by type, name and outcome, and observes its duration', async () => {
    const { post, metricsUrl } = await serve({ metrics: new MetricsRegistry('svc') });
    await post('query Greeting { hello }');
    await post('query Greeting { hello }');
    await post('query Broken { boom }');
    await post('{ hello }');
    await post('{ nope }');
    const samples = await scrape(metricsUrl);
    expect(findSamples(samples, 'herck_graphql_operations_total').map(({ labels, value }) => ({ ...labels, value }))).toEqual(
      expect.arrayContaining([
        { service: 'svc', type: 'query', operation: 'Greeting', outcome: 'ok', value: 2 },
        { service: 'svc', type: 'query', operation: 'Broken', outcome: 'error', value: 1 },
        { service: 'svc', type: 'query', operation: 'anonymous', outcome: 'ok', value: 1 },
        // A document that fails validation never becomes a known operation.
        { service: 'svc', type: 'unknown', operation: 'anonymous', outcome: 'error', value: 1 },
      ]),
    );
    expect(findSamples(samples, 'herck_graphql_operations_total')).toHaveLength(4);

    const greeting = { type: 'query', operation: 'Greeting', outcome: 'ok' };
    expect(sampleValue(samples, 'herck_graphql_operation_duration_seconds_count', greeting)).toBe(2);
    expect(sampleValue(samples, 'herck_graphql_operation_duration_seconds_sum', greeting)).toBeGreaterThan(0);
    const buckets = findSamples(samples, 'herck_graphql_operation_duration_seconds_bucket', greeting);
    expect(buckets.map((bucket) => bucket.labels.le)).toEqual(['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
    expect(buckets.at(-1)!.value).toBe(2);
  });

  it('counts and logs an operation whose client went away as abandoned, not as an error of the server', async () => {
    const lines: { msg: string; operation?: string; errors?: string[]; clientGone?: boolean }[] = [];
    const logger = new Logger('test', 'debug', {}, (line) => lines.push(JSON.parse(line)));
    let heldStarted = false;
    /** Fails once its client has gone, with the signal's ClientGoneError, as a backtest does. */
    const held = (_: unknown, __: unknown, context: { signal: AbortSignal }) => {
      heldStarted = true;
      return new Promise((_, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason)));
    };
    const { metricsUrl, url } = await serve({
      logger,
      metrics: new MetricsRegistry('svc'),
      apollo: { typeDefs: 'type Query { held: String }', resolvers: { Query: { held } } },
      context: async (_req, res) => ({ signal: clientGoneSignal(res) }),
    });
    const request = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } });
    request.on('error', () => undefined);
    request.end(JSON.stringify({ query: 'query Left { held }' }));
    await until(() => heldStarted);
    request.destroy();
    await until(() => lines.some((line) => line.msg === 'operation answered'));
    const samples = await scrape(metricsUrl);
    expect(findSamples(samples, 'herck_graphql_operations_total').map(({ labels, value }) => ({ ...labels, value }))).toEqual([
      { service: 'svc', type: 'query', operation: 'Left', outcome: 'abandoned', value: 1 },
    ]);
    // Logged as what it is: no error code (INTERNAL_SERVER_ERROR), the client's leaving.
    const answered = lines.find((line) => line.msg === 'operation answered');
    expect(answered).toMatchObject({ operation: 'Left', clientGone: true });
    expect(answered).not.toHaveProperty('errors');
  });

  it('makes a registry of its own when given none, for the service to add its metrics to', async () => {
    const { service, post, metricsUrl } = await serve();
    const other = await serve();
    service.metrics.registerGauge('herck_test_backlog', 'Backlog.', () => 42);
    await post('query Mine { hello }');
    const samples = await scrape(metricsUrl);
    expect(sampleValue(samples, 'herck_test_backlog')).toBe(42);
    expect(operations(samples, { operation: 'Mine', outcome: 'ok' })).toBe(1);
    const others = await scrape(other.metricsUrl);
    expect(findSamples(others, 'herck_test_backlog')).toEqual([]);
    expect(findSamples(others, 'herck_graphql_operations_total')).toEqual([]);
  });

  it('with a token, answers only a request bearing it', async () => {
    const { metricsUrl } = await serve({ metricsToken: 'metrics-s3cret' });
    for (const authorization of [undefined, 'Bearer wrong', 'Bearer metrics-s3cret-and-more', 'Basic metrics-s3cret', 'metrics-s3cret']) {
      const response = await fetch(metricsUrl, { headers: authorization ? { authorization } : {} });
      expect({ authorization, status: response.status, challenge: response.headers.get('www-authenticate') }).toEqual({ authorization, status: 401, challenge: 'Bearer' });
      expect(await response.text()).not.toContain('herck_');
    }
    const response = await fetch(metricsUrl, { headers: { authorization: 'Bearer metrics-s3cret' } });
    expect({ status: response.status, type: response.headers.get('content-type') }).toEqual({ status: 200, type: PROMETHEUS_TEXT });
    expect(findSamples(parsePrometheusText(await response.text()), 'nodejs_eventloop_lag_seconds')).toHaveLength(1);
  });
});

describe('OperationMetrics', () => {
  it('gives only the first distinct operation names a series of their own; later ones count as "other"', async () => {
    const metrics = new MetricsRegistry('capped');
    const server = new ApolloServer({ typeDefs, resolvers, plugins: [new OperationMetrics(metrics, { maxOperationNames: 2 }).plugin()] });
    await server.start();
    running.push(server);
    for (const name of ['First', 'Second', 'Third', 'Fourth', 'First', 'Third']) await server.executeOperation({ query: `query ${name} { hello }` });
    await server.executeOperation({ query: '{ hello }' });
    const samples = parsePrometheusText(await metrics.exposition());
    const counted = Object.fromEntries(findSamples(samples, 'herck_graphql_operations_total').map(({ labels, value }) => [labels.operation, value]));
    expect(counted).toEqual({ First: 2, Second: 1, other: 3, anonymous: 1 });
    expect(sampleValue(samples, 'herck_graphql_operation_duration_seconds_count', { operation: 'other' })).toBe(3);
  });

  it('counts a name longer than 128 characters as "other", however few names came before', async () => {
    const metrics = new MetricsRegistry('long names');
    const server = new ApolloServer({ typeDefs, resolvers, plugins: [new OperationMetrics(metrics).plugin()] });
    await server.start();
    running.push(server);
    for (const name of [`A${'x'.repeat(127)}`, `B${'x'.repeat(128)}`, `C${'x'.repeat(45_000)}`]) await server.executeOperation({ query: `query ${name} { hello }` });
    const samples = parsePrometheusText(await metrics.exposition());
    const counted = Object.fromEntries(findSamples(samples, 'herck_graphql_operations_total').map(({ labels, value }) => [labels.operation, value]));
    expect(counted).toEqual({ [`A${'x'.repeat(127)}`]: 1, other: 2 });
  });
});
