import { Client, createClient, FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { Identity, InternalTokenSigner, INTERNAL_TOKEN_HEADER, Logger } from '@herck/common';

/** What to subscribe to at a subgraph: the primary fetch of a subscription plan. */
export interface UpstreamRequest {
  query: string;
  variables: Record<string, unknown>;
  operationName?: string;
}

export interface UpstreamSink {
  next(event: FormattedExecutionResult<Record<string, unknown>, unknown>): void;
  /** The subgraph refused or ended the subscription with an error, or could not be reached. */
  error(error: unknown): void;
  complete(): void;
}

/**
 * The gateway's graphql-ws connections to the subgraphs that stream events.
 *
 * A subgraph authenticates a graphql-ws connection once, at `connection_init`,
 * so the caller's identity belongs to the connection: there is one connection
 * per subgraph and role set (the identity that opened it speaks for it; the
 * gateway already checked every field against the caller's own roles). A
 * subscription that depends on *who* subscribes (e.g. one account's alerts)
 * will need the account in this key and in the sharing key.
 *
 * graphql-ws's client retries a dropped connection with backoff and
 * re-subscribes what was open; a fresh internal token is signed per connect.
 */
export class UpstreamSubscriptions {
  private readonly clients = new Map<string, Client>();
  private open = 0;

  constructor(
    private readonly subgraphUrls: Record<string, string>,
    private readonly signer: InternalTokenSigner,
    private readonly logger: Logger,
  ) {}

  /** Subscriptions currently open at the subgraphs (for tests and metrics). */
  get activeCount(): number {
    return this.open;
  }

  /** Starts one subscription at `subgraph`; the returned function ends it (idempotent). */
  subscribe(subgraph: string, identity: Identity, request: UpstreamRequest, sink: UpstreamSink): () => void {
    let active = true;
    const finish = () => {
      if (!active) return false;
      active = false;
      this.open -= 1;
      return true;
    };
    this.open += 1;
    const unsubscribe = this.clientFor(subgraph, identity).subscribe<Record<string, unknown>>(request, {
      next: (event) => {
        if (active) sink.next(event);
      },
      error: (error) => {
        if (finish()) sink.error(error);
      },
      complete: () => {
        if (finish()) sink.complete();
      },
    });
    return () => {
      if (finish()) unsubscribe();
    };
  }

  /** Closes every upstream connection (their subscriptions end without notifying the sinks' owners again). */
  async stop(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((client) => client.dispose()));
  }

  private clientFor(subgraph: string, identity: Identity): Client {
    const key = `${subgraph}|${[...identity.roles].sort().join(',')}`;
    let client = this.clients.get(key);
    if (client) return client;
    const url = this.subgraphUrls[subgraph];
    if (!url) throw new Error(`No URL for subgraph ${subgraph}`);
    client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      // Connected while subscriptions are open, closed shortly after the last one ends.
      lazy: true,
      lazyCloseTimeout: 1_000,
      connectionParams: () => ({ [INTERNAL_TOKEN_HEADER]: this.signer.sign(identity, subgraph) }),
      retryAttempts: 10,
      on: {
        closed: (event) => this.logger.debug('upstream graphql-ws connection closed', { subgraph, code: (event as { code?: number }).code }),
        error: (error) => this.logger.warn('upstream graphql-ws connection failed', { subgraph, error }),
      },
    });
    this.clients.set(key, client);
    return client;
  }
}
