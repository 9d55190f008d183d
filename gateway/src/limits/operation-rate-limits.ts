import { GraphQLError } from 'graphql';
import Redis from 'ioredis';
import cluster from 'node:cluster';
import { RateLimiterAbstract, RateLimiterCluster, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { clientKey, Counter, Identity, Logger, Role } from '@herck/common';

/** Operations a minute per caller by role; 0 means no limit (admins by default). */
export interface OperationRateSettings {
  anonymous: number;
  perRole: Record<Role, number>;
  /** Counters shared by every gateway replica; in this process's memory when unset. */
  redisUrl?: string;
  /** Keys of this deployment in a shared Redis. */
  keyPrefix: string;
  /** How long an operation waits for Redis to count it before it is let through uncounted. */
  redisTimeoutMs: number;
}

/** What a caller has left in the current minute (for the RateLimit-* headers). */
export interface RateLimitState {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

export type RateLimitOutcome = { allowed: true; state: RateLimitState | null } | { allowed: false; state: RateLimitState; retryAfterSeconds: number };

const WINDOW_SECONDS = 60;

/**
 * The per-caller operation budget at the gateway: per account when signed in
 * (the caller's most generous role decides), per client address otherwise.
 * In memory (for gateway workers, in the process supervising them), or in Redis
 * shared by every replica; when Redis cannot be reached
 * the operation is allowed and a warning logged — never an error for the client.
 */
export class OperationRateLimits {
  private readonly limiters = new Map<number, RateLimiterAbstract>();
  private readonly redis?: Redis;
  private lastWarning = 0;

  constructor(
    private readonly settings: OperationRateSettings,
    private readonly logger: Logger,
    /** Counts the operations refused (over HTTP and WebSocket alike). */
    private readonly refused?: Counter,
  ) {
    if (settings.redisUrl) {
      // No offline queue, few retries and a bound on every answer: a Redis that is away, or connected
      // but silent (a partition, a frozen server), must not hold requests up.
      this.redis = new Redis(settings.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false, commandTimeout: settings.redisTimeoutMs });
      this.redis.on('error', (error) => this.warn('Redis for rate limits unreachable; operations are let through', error));
    }
  }

  /**
   * Resolves once Redis is ready to count, or after `timeoutMs`. A gateway that took requests before its
   * connection was up let them through uncounted: two gateways sharing a budget of 6 let a 7th through.
   * A Redis still away then is what it is later: operations are let through, with a warning.
   */
  async ready(timeoutMs: number): Promise<void> {
    const redis = this.redis;
    if (!redis || redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        redis.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      redis.once('ready', done);
    });
    // Read again: the wait above may have changed it (TypeScript keeps the narrowing of the first read).
    if ((redis.status as string) !== 'ready') this.logger.warn('Redis for rate limits not ready at start-up; operations are let through until it is');
  }

  /** Takes one operation from the caller's budget. */
  async take(identity: Identity, client: string): Promise<RateLimitOutcome> {
    const points = this.limitFor(identity);
    if (points <= 0) return { allowed: true, state: null };
    // An anonymous IPv6 client is counted per /64, as sign-in and mail limits count it: one host
    // usually holds a whole /64, and per address it would have a fresh budget for each of them.
    const key = identity.accountId ? `account:${identity.accountId}` : `client:${clientKey(client)}`;
    try {
      const result = await this.limiter(points).consume(key);
      return { allowed: true, state: stateOf(points, result) };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        this.refused?.inc();
        const state = stateOf(points, rejection);
        return { allowed: false, state, retryAfterSeconds: Math.max(1, state.resetSeconds) };
      }
      this.warn('rate limit not checked; the operation is let through', rejection);
      return { allowed: true, state: null };
    }
  }

  async stop(): Promise<void> {
    this.redis?.disconnect();
  }

  private limitFor(identity: Identity): number {
    if (!identity.accountId) return this.settings.anonymous;
    const limits = identity.roles.map((role) => this.settings.perRole[role]);
    // An account without roles counts as a USER, not as unlimited.
    if (!limits.length) return this.settings.perRole.USER;
    // No limit for a role wins; otherwise the most generous one.
    return limits.includes(0) ? 0 : Math.max(...limits);
  }

  /**
   * Counts of `name` that last `durationSeconds` from their first change, kept where the operation
   * counts are (Redis, the process supervising the workers, or memory): every gateway sees the same.
   */
  sharedCounts(name: string, durationSeconds: number): RateLimiterAbstract {
    return this.build({ points: 1, duration: durationSeconds, keyPrefix: `${this.settings.keyPrefix}:${name}` });
  }

  private limiter(points: number): RateLimiterAbstract {
    let limiter = this.limiters.get(points);
    if (!limiter) {
      limiter = this.build({ points, duration: WINDOW_SECONDS, keyPrefix: `${this.settings.keyPrefix}:ops:${points}` });
      this.limiters.set(points, limiter);
    }
    return limiter;
  }

  private build(options: { points: number; duration: number; keyPrefix: string }): RateLimiterAbstract {
    return this.redis
      ? new RateLimiterRedis({ ...options, storeClient: this.redis, rejectIfRedisNotReady: true })
      : // A gateway worker (GATEWAY_WORKERS) counts in the supervising process, for all workers together.
        cluster.isWorker
        ? new RateLimiterCluster({ ...options, timeoutMs: 1_000 })
        : new RateLimiterMemory(options);
  }

  /** At most one warning a minute: an outage must not flood the log. */
  private warn(message: string, error: unknown): void {
    if (Date.now() - this.lastWarning < 60_000) return;
    this.lastWarning = Date.now();
    this.logger.warn(message, { error });
  }
}

function stateOf(limit: number, result: RateLimiterRes): RateLimitState {
  return { limit, remaining: Math.max(0, result.remainingPoints), resetSeconds: Math.ceil(result.msBeforeNext / 1000) };
}

/** The response headers that tell a client its budget; CORS exposes them to browser scripts. */
export const RATE_LIMIT_HEADERS = ['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];

/** The headers every limited answer carries (IETF draft RateLimit fields). */
export function rateLimitHeaders(state: RateLimitState): [string, string][] {
  return [
    ['RateLimit-Limit', String(state.limit)],
    ['RateLimit-Remaining', String(state.remaining)],
    ['RateLimit-Reset', String(state.resetSeconds)],
  ];
}

/** The error of an operation past the limit: over HTTP with status 429, Retry-After and RateLimit-* headers. */
export function rateLimitedError(outcome: Extract<RateLimitOutcome, { allowed: false }>, transport: 'http' | 'websocket' = 'http'): GraphQLError {
  const http = { status: 429, headers: new Map([['Retry-After', String(outcome.retryAfterSeconds)], ...rateLimitHeaders(outcome.state)]) };
  return new GraphQLError(`Too many operations; try again in ${outcome.retryAfterSeconds} s`, {
    extensions: { code: 'RATE_LIMITED', retryAfterSeconds: outcome.retryAfterSeconds, ...(transport === 'http' && { http }) },
  });
}
