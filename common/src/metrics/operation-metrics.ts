import { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { isClientGone } from '../server/client-gone';
import { MetricsRegistry } from './metrics-registry';

export interface OperationMetricsOptions {
  /** Distinct operation names given a label value of their own; later ones count as "other". */
  maxOperationNames?: number;
}

/**
 * The longest operation name given a series of its own: a label value is written into every line of
 * both metrics' series (a line per histogram bucket), and a GraphQL name may be as long as the body
 * allows. At the subgraphs a name comes with the query planner's suffix (`__market__0`).
 */
export const MAX_OPERATION_NAME_LABEL_LENGTH = 128;

/** Seconds; from a cached answer to a slow report. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One operation answered: its type (null when the request failed before its operation was known), name and outcome. */
export interface AnsweredOperation {
  type: string | null;
  name: string | null;
  failed: boolean;
  /** Given up, and nothing else failed: its client went away before its answer (see ClientGoneError). */
  abandoned?: boolean;
}

/**
 * Counts every operation answered and observes how long it took
 * (`herck_graphql_operations_total`, `herck_graphql_operation_duration_seconds`),
 * labelled by `type` (query, mutation, subscription; "unknown" when the
 * request failed before its operation was known), `operation` (its name;
 * "anonymous" when it has none) and `outcome` ("error" when the answer carries
 * any error, partial data included; "abandoned" when its only errors are work
 * given up because its client went away, which is no error of the server's;
 * "ok" otherwise). Apollo Server's
 * operations through `plugin()`; others (a gateway's subscriptions, which it
 * runs itself) through `observe`.
 *
 * Operation names are chosen by clients: only the first `maxOperationNames`
 * distinct ones, of at most MAX_OPERATION_NAME_LABEL_LENGTH characters, get a
 * series of their own, so that no client can grow the metrics without bound
 * (two names of 45,000 characters grew a scrape by 1.4 MB).
 */
export class OperationMetrics {
  private readonly operations;
  private readonly durations;
  private readonly names = new Set<string>();
  private readonly maxOperationNames: number;

  constructor(metrics: MetricsRegistry, { maxOperationNames = 200 }: OperationMetricsOptions = {}) {
    const labelNames = ['type', 'operation', 'outcome'] as const;
    this.operations = metrics.counter({ name: 'herck_graphql_operations_total', help: 'GraphQL operations answered.', labelNames });
    this.durations = metrics.histogram({
      name: 'herck_graphql_operation_duration_seconds',
      help: 'Time from receiving a GraphQL operation to sending its answer (for a subscription: to its start).',
      labelNames,
      buckets: DURATION_BUCKETS,
    });
    this.maxOperationNames = maxOperationNames;
  }

  /** One operation answered, `started` (process.hrtime.bigint()) when it was received. */
  observe({ type, name, failed, abandoned = false }: AnsweredOperation, started: bigint): void {
    const labels = { type: type ?? 'unknown', operation: type ? this.operationLabel(name) : 'anonymous', outcome: failed ? 'error' : abandoned ? 'abandoned' : 'ok' };
    this.operations.inc(labels);
    this.durations.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
  }

  /** Apollo Server's operations, as each answer is sent. */
  plugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
    return {
      requestDidStart: async () => {
        const started = process.hrtime.bigint();
        return {
          willSendResponse: async ({ operation, operationName, response, errors }) => {
            // `errors` as raised (the answer's own are masked: a ClientGoneError is INTERNAL_SERVER_ERROR there).
            const abandoned = Boolean(errors?.length) && errors!.every(isClientGone);
            const failed = !abandoned && (Boolean(errors?.length) || (response.body.kind === 'single' && Boolean(response.body.singleResult.errors?.length)));
            this.observe({ type: operation?.operation ?? null, name: operationName ?? null, failed, abandoned }, started);
          },
        };
      },
    };
  }

  private operationLabel(name: string | null): string {
    if (name === null) return 'anonymous';
    if (this.names.has(name)) return name;
    if (this.names.size >= this.maxOperationNames || name.length > MAX_OPERATION_NAME_LABEL_LENGTH) return 'other';
    this.names.add(name);
    return name;
  }
}
