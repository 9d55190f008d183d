import { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { MetricsRegistry } from './metrics-registry';

export interface OperationMetricsOptions {
  /** Distinct operation names given a label value of their own; later ones count as "other". */
  maxOperationNames?: number;
}

/** Seconds; from a cached answer to a slow report. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Counts every operation Apollo Server answers and observes how long it took
 * (`herck_graphql_operations_total`, `herck_graphql_operation_duration_seconds`),
 * labelled by `type` (query, mutation, subscription; "unknown" when the
 * request failed before its operation was known), `operation` (its name;
 * "anonymous" when it has none) and `outcome` ("error" when the answer carries
 * any error, partial data included; "ok" otherwise).
 *
 * Operation names are chosen by clients: only the first `maxOperationNames`
 * distinct ones get a series of their own, so that no client can grow the
 * metrics without bound.
 */
export function operationMetricsPlugin<TContext extends BaseContext>(
  metrics: MetricsRegistry,
  { maxOperationNames = 200 }: OperationMetricsOptions = {},
): ApolloServerPlugin<TContext> {
  const labelNames = ['type', 'operation', 'outcome'] as const;
  const operations = metrics.counter({ name: 'herck_graphql_operations_total', help: 'GraphQL operations answered.', labelNames });
  const durations = metrics.histogram({
    name: 'herck_graphql_operation_duration_seconds',
    help: 'Time from receiving a GraphQL operation to sending its answer.',
    labelNames,
    buckets: DURATION_BUCKETS,
  });
  const names = new Set<string>();
  const operationLabel = (name: string | null): string => {
    if (name === null) return 'anonymous';
    if (names.has(name)) return name;
    if (names.size >= maxOperationNames) return 'other';
    names.add(name);
    return name;
  };
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operation, operationName, response, errors }) {
          const failed = Boolean(errors?.length) || (response.body.kind === 'single' && Boolean(response.body.singleResult.errors?.length));
          const labels = {
            type: operation?.operation ?? 'unknown',
            operation: operation ? operationLabel(operationName ?? null) : 'anonymous',
            outcome: failed ? 'error' : 'ok',
          };
          operations.inc(labels);
          durations.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
        },
      };
    },
  };
}
