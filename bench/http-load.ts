import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';

/**
 * The load generator of `bench:gateway`, in a process of its own so the
 * measured servers do not share its event loop: autocannon with a fixed
 * number of connections posting one GraphQL request (as fast as answered, or
 * at a fixed overall rate), for a warm-up and then for the measured span. Prints one JSON line: requests/s, latencies, failures.
 *
 * `__UUID__` in the body is replaced by a fresh UUID per request (idempotency keys).
 */
export interface LoadSpec {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  /** Requests per second across all connections; unset: as fast as the server answers. */
  rate?: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  /** Transport errors, time-outs and non-2xx answers. */
  failures: number;
}

async function run(spec: LoadSpec, seconds: number): Promise<autocannon.Result> {
  const perRequest = spec.body.includes('__UUID__');
  return autocannon({
    url: spec.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...spec.headers },
    body: perRequest ? undefined : spec.body,
    requests: perRequest ? [{ setupRequest: (request) => ({ ...request, body: spec.body.replaceAll('__UUID__', randomUUID()) }) }] : undefined,
    connections: spec.connections,
    overallRate: spec.rate,
    duration: seconds,
    timeout: 10,
  });
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]!) as LoadSpec;
  if (spec.warmupSeconds > 0) await run(spec, spec.warmupSeconds);
  process.send?.('measuring');
  const result = await run(spec, spec.seconds);
  const answer: LoadResult = {
    requestsPerSecond: result.requests.total / result.duration,
    requests: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
  };
  console.log(JSON.stringify(answer));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
