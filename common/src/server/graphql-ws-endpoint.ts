import http from 'node:http';
import { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

/**
 * Set by the gateway in `extensions` when it subscribes again to a subscription it held before (the
 * subgraph restarted, or the connection dropped), to the moment it lost it (ISO-8601): what a
 * subgraph refuses only to new subscriptions (an asset no longer tracked, which would wait in
 * silence) it takes from one already open, and events published since then may be sent again.
 */
export const RESUMED_SUBSCRIPTION_EXTENSION = 'resumedSubscription';

export interface GraphqlWsOptions<TContext> {
  /** Same path as HTTP: graphql-ws clients connect to the URL they POST to. */
  path: string;
  /**
   * Turns `connection_init`'s payload into the context of every operation on
   * that socket; null refuses the connection (closed with 4403 Forbidden).
   */
  authenticate(connectionParams: Record<string, unknown> | undefined): TContext | null;
  /** A fresh context per operation (e.g. a new entity manager fork); `resumedSince`: see RESUMED_SUBSCRIPTION_EXTENSION. */
  contextFor(authenticated: TContext, resumedSince: Date | undefined): TContext;
}

/** A graphql-ws (graphql-transport-ws) endpoint on an HTTP server, for subscriptions. */
export function serveGraphqlWs<TContext extends object>(server: http.Server, schema: GraphQLSchema, options: GraphqlWsOptions<TContext>): { dispose(): Promise<void> } {
  const sockets = new WebSocketServer({ server, path: options.path });
  const authenticated = new WeakMap<object, TContext>();
  const cleanup = useServer<Record<string, unknown> | undefined>(
    {
      schema,
      onConnect(ctx) {
        const context = options.authenticate(ctx.connectionParams);
        if (!context) return false;
        authenticated.set(ctx.extra, context);
        return true;
      },
      context: (ctx, _id, payload) => options.contextFor(authenticated.get(ctx.extra)!, resumedSince(payload.extensions?.[RESUMED_SUBSCRIPTION_EXTENSION])),
    },
    sockets,
  );
  return {
    async dispose() {
      await cleanup.dispose();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
    },
  };
}

/** When a resumed subscription was lost, or undefined for a new one (or a value that names no time). */
function resumedSince(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const since = new Date(value);
  return Number.isNaN(since.getTime()) ? undefined : since;
}
