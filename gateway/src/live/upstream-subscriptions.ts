import { setTimeout as sleep } from 'node:timers/promises';
import { Client, createClient, FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { Identity, InternalTokenSigner, INTERNAL_TOKEN_HEADER, Logger, RESUMED_SUBSCRIPTION_EXTENSION, withoutRequestId } from '@herck/common';

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
 * A subgraph's WebSocket handshake that takes longer fails (and is retried). Without a bound, a
 * subgraph that accepts the TCP connection but never answers holds the attempt for good, and with
 * it the gateway's stop, which waits for attempts under way.
 */
const HANDSHAKE_TIMEOUT_MS = 5_000;

/** The `ws` WebSocket with a bounded opening handshake, for graphql-ws's client (which passes only url and protocols). */
class UpstreamSocket extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols, { handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
  }
}

/**
 * The gateway's graphql-ws connections to the subgraphs that stream events.
 *
 * A subgraph authenticates a graphql-ws connection once, at `connection_init`,
 * so the caller's identity belongs to the connection: there is one connection
 * per subgraph and role set, opened as that role set (the gateway already
 * checked every field against the caller's own roles), and one per account for
 * subscriptions that depend on *who* subscribes (one account's alerts).
 *
 * A subgraph that restarts must not end its clients' subscriptions: a dropped
 * or refused connection is retried for as long as subscriptions are open, with
 * exponential backoff (capped at `retryMaxMs`, with jitter so replicas do not
 * reconnect in step), and graphql-ws's client re-subscribes every open
 * subscription once it is connected again; a fresh internal token is signed
 * per connect. Only a subgraph's fatal close codes (bad request, internal
 * error, …) and its `error` messages reach the sinks.
 */
export class UpstreamSubscriptions {
  private readonly clients = new Map<string, Client>();
  private open = 0;
  /** Subscriptions open per connection key. */
  private readonly usage = new Map<string, number>();
  /** Cuts the backoff waits short on stop. */
  private readonly stopping = new AbortController();

  constructor(
    private readonly subgraphUrls: Record<string, string>,
    private readonly signer: InternalTokenSigner,
    private readonly logger: Logger,
    /** The longest wait between two attempts to reach a subgraph again. */
    private readonly retryMaxMs = 10_000,
  ) {}

  /** Subscriptions currently open at the subgraphs (for tests and metrics). */
  get activeCount(): number {
    return this.open;
  }

  /**
   * Starts one subscription at `subgraph`; the returned function ends it
   * (idempotent). `perCaller` subscriptions go over a connection of the
   * caller's own, closed with its last subscription.
   */
  subscribe(subgraph: string, identity: Identity, perCaller: boolean, request: UpstreamRequest, sink: UpstreamSink): () => void {
    let active = true;
    const key = this.keyFor(subgraph, identity, perCaller);
    const finish = () => {
      if (!active) return false;
      active = false;
      this.open -= 1;
      this.release(key);
      return true;
    };
    this.open += 1;
    this.usage.set(key, (this.usage.get(key) ?? 0) + 1);
    // Outside the request that opened it: the connection, and every event it brings, serve every client of the subscription.
    const unsubscribe = withoutRequestId(() =>
      this.clientFor(key, subgraph, identity).subscribe<Record<string, unknown>>(request, {
        next: (event) => {
          if (active) sink.next(event);
        },
        error: (error) => {
          if (finish()) sink.error(error);
        },
        complete: () => {
          if (finish()) sink.complete();
        },
      }),
    );
    return () => {
      if (finish()) unsubscribe();
    };
  }

  /** Closes every upstream connection (their subscriptions end without notifying the sinks' owners again). */
  async stop(): Promise<void> {
    this.stopping.abort();
    const clients = [...this.clients.values()];
    this.clients.clear();
    // A connection attempt that fails as it is disposed of must not fail the gateway's stop (see release).
    await Promise.all(clients.map((client) => Promise.resolve(client.dispose()).catch(() => undefined)));
  }

  /** One connection per subgraph and role set, and one per account for caller-scoped subscriptions. */
  private keyFor(subgraph: string, identity: Identity, perCaller: boolean): string {
    return `${subgraph}|${[...identity.roles].sort().join(',')}|${perCaller ? (identity.accountId ?? 'anonymous') : '*'}`;
  }

  /** A caller's own connection goes with its last subscription (shared ones close lazily by themselves). */
  private release(key: string): void {
    const left = (this.usage.get(key) ?? 1) - 1;
    if (left > 0) return void this.usage.set(key, left);
    this.usage.delete(key);
    if (key.endsWith('|*')) return;
    const client = this.clients.get(key);
    this.clients.delete(key);
    // graphql-ws's dispose() awaits a connection attempt still under way and rejects when it fails
    // (the subgraph is down, or refused us): that failure was logged already, and left unhandled the
    // rejection would bring the gateway down.
    if (client) void Promise.resolve(client.dispose()).catch(() => undefined);
  }

  private clientFor(key: string, subgraph: string, identity: Identity): Client {
    let client = this.clients.get(key);
    if (client) return client;
    const url = this.subgraphUrls[subgraph];
    if (!url) throw new Error(`No URL for subgraph ${subgraph}`);
    let connected = false;
    /** When this connection was last lost with subscriptions open: what their resubscriptions resume from. */
    let lostAt = new Date();
    client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: UpstreamSocket,
      // Connected while subscriptions are open, closed shortly after the last one ends.
      lazy: true,
      lazyCloseTimeout: 1_000,
      connectionParams: () => ({ [INTERNAL_TOKEN_HEADER]: this.signer.sign(identity, subgraph) }),
      retryAttempts: Infinity,
      // graphql-ws retries only close events by default; a refused connection (the subgraph is down) is an error event.
      shouldRetry: () => !this.stopping.signal.aborted,
      retryWait: (retries) => this.backoff(retries),
      // graphql-ws sends each open subscription again, with the same payload, on every reconnect.
      jsonMessageReplacer: markResubscriptions(() => lostAt),
      on: {
        connected: (_socket, _payload, wasRetry) => {
          connected = true;
          if (wasRetry) this.logger.info('upstream graphql-ws connection restored; open subscriptions resubscribed', { subgraph });
          else this.logger.debug('upstream graphql-ws connection open', { subgraph });
        },
        closed: (event) => {
          const code = (event as { code?: number }).code;
          // Lost, not closed on purpose: its subscriptions still want it (a caller's own connection is
          // closed with the caller's last subscription while others go on elsewhere).
          const lost = connected && this.clients.get(key) === client && (this.usage.get(key) ?? 0) > 0 && !this.stopping.signal.aborted;
          connected = false;
          if (lost) lostAt = new Date();
          if (lost) this.logger.warn('upstream graphql-ws connection lost; reconnecting', { subgraph, code });
          else this.logger.debug('upstream graphql-ws connection closed', { subgraph, code });
        },
        error: (error) => this.logger.debug('upstream graphql-ws connection failed', { subgraph, error: errorMessage(error) }),
      },
    });
    this.clients.set(key, client);
    return client;
  }

  /** 0.5 s, 1 s, 2 s, … up to `retryMaxMs`, each stretched by up to a quarter at random. */
  private async backoff(retries: number): Promise<void> {
    const base = Math.min(this.retryMaxMs, 500 * 2 ** Math.min(retries, 20));
    await sleep(base * (1 + Math.random() / 4), undefined, { signal: this.stopping.signal }).catch(() => undefined);
  }
}

/** A failed connect is an `ErrorEvent` of `ws` (its message says why), or anything else. */
function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/**
 * A JSON replacer for a graphql-ws client's outgoing messages that marks a subscription sent again
 * (after a reconnect) with RESUMED_SUBSCRIPTION_EXTENSION, the moment the connection was lost: the
 * subgraph takes it even where it would refuse a new one (an asset untracked since it opened), and
 * may send again what it published since (alerts raised before the gateway was back). graphql-ws
 * re-sends the very payload object it was given, which is how a second sending is told from the first.
 */
function markResubscriptions(lostAt: () => Date): (key: string, value: unknown) => unknown {
  const sent = new WeakSet<object>();
  return (key, value) => {
    const message = value as { type?: unknown; payload?: { extensions?: Record<string, unknown> } };
    if (key !== '' || message?.type !== 'subscribe' || !message.payload) return value;
    if (!sent.has(message.payload)) {
      sent.add(message.payload);
      return value;
    }
    return { ...message, payload: { ...message.payload, extensions: { ...message.payload.extensions, [RESUMED_SUBSCRIPTION_EXTENSION]: lostAt().toISOString() } } };
  };
}
