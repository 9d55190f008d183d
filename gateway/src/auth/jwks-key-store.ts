import crypto, { JsonWebKey, KeyObject } from 'node:crypto';
import { Logger } from '@herck/common';

/** Auth's keys could not be fetched: a token naming a key not known yet can be neither accepted nor refused. */
export class SigningKeysUnavailableError extends Error {
  constructor() {
    super('The signing keys could not be fetched from auth');
  }
}

export interface JwksKeyStoreOptions {
  /** Never fetch more often than this, however many unknown `kid`s arrive (forged tokens are free to make). */
  minRefreshIntervalMs?: number;
  /** How long a `kid` that a successful fetch did not include is refused without fetching again. */
  missingKeyMemoryMs?: number;
  /** How old fetched keys may grow before they are fetched again, so a key auth withdrew stops verifying. */
  maxAgeMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Forged `kid`s remembered at most: past this the memory starts afresh (each still costs at most one fetch per interval). */
const MAX_MISSING_KIDS = 10_000;

/**
 * The longest `kid` a key of auth's may have (auth's are 43 characters): a longer one is no key's, so it is
 * neither fetched for nor remembered. Remembered as they came, 10,000 forged kids of 70,000 characters each
 * (a socket's `connection_init` carries that much, before any limit counts it) would have held a gigabyte.
 */
export const MAX_KEY_ID_LENGTH = 256;

/**
 * Auth's public signing keys, fetched from its JWKS endpoint, fetched again
 * when a token names a key we have not seen (auth rotated its keys), and, in
 * the background, once they are `maxAgeMs` old: a key auth no longer publishes
 * (the old one after a rotation, or one that leaked) is then refused. A token
 * signed with a new key waits for that fetch (at most the refresh interval
 * after the previous one) instead of being refused meanwhile; a `kid` that the
 * fetched keys do not include is remembered for a while, so forged ones cost
 * no fetch each.
 */
export class JwksKeyStore {
  private keys = new Map<string, KeyObject>();
  /** `kid`s a successful fetch did not include, with the time of that fetch. */
  private readonly missing = new Map<string, number>();
  private lastFetch = Number.NEGATIVE_INFINITY;
  /** Whether the latest fetch failed: an unknown key then says nothing about the token. */
  private lastFetchFailed = false;
  private inFlight?: Promise<void>;
  private readonly minRefreshIntervalMs: number;
  private readonly missingKeyMemoryMs: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly jwksUrl: string,
    private readonly logger: Logger,
    options: JwksKeyStoreOptions = {},
  ) {
    this.minRefreshIntervalMs = options.minRefreshIntervalMs ?? 1_000;
    this.missingKeyMemoryMs = options.missingKeyMemoryMs ?? 10_000;
    this.maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * The key, or undefined when auth's current keys do not include it (the token is not
   * auth's); throws SigningKeysUnavailableError when auth's keys could not be fetched.
   */
  async get(kid: string): Promise<KeyObject | undefined> {
    if (kid.length > MAX_KEY_ID_LENGTH) return undefined;
    const known = this.keys.get(kid);
    if (known) {
      this.refreshIfStale();
      return known;
    }
    const askedAt = this.now();
    const missingSince = this.missing.get(kid);
    if (missingSince === undefined || askedAt - missingSince >= this.missingKeyMemoryMs) {
      await this.refresh();
      // The fetch joined may have left before auth published this key: one more, sent after it was asked for, decides.
      if (!this.keys.has(kid) && !this.lastFetchFailed && this.lastFetch < askedAt) await this.refresh();
    }
    const key = this.keys.get(kid);
    if (!key && this.lastFetchFailed) throw new SigningKeysUnavailableError();
    if (!key && !this.missing.has(kid) && this.lastFetch >= askedAt) {
      if (this.missing.size >= MAX_MISSING_KIDS) this.missing.clear();
      this.missing.set(kid, this.lastFetch);
    }
    return key;
  }

  /** Whether auth still publishes `kid`, as far as the keys at hand tell: a remembered token's key may have been withdrawn since. */
  publishes(kid: string): boolean {
    this.refreshIfStale();
    return this.keys.has(kid);
  }

  /** Old keys are fetched again in the background; requests go on with the ones at hand meanwhile (auth may be away). */
  private refreshIfStale(): void {
    if (this.inFlight || this.now() - this.lastFetch < this.maxAgeMs) return;
    this.refresh().catch(() => undefined);
  }

  /** One fetch for every caller waiting, started no sooner than the interval after the previous one. */
  private refresh(): Promise<void> {
    this.inFlight ??= (async () => {
      const wait = this.lastFetch + this.minRefreshIntervalMs - this.now();
      if (wait > 0) await this.sleep(wait);
      await this.fetchKeys();
    })().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetchKeys(): Promise<void> {
    this.lastFetch = this.now();
    try {
      const response = await fetch(this.jwksUrl, { signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
      const { keys } = (await response.json()) as { keys: (JsonWebKey & { kid?: string })[] };
      this.keys = new Map(keys.filter((jwk) => jwk.kid).map((jwk) => [jwk.kid!, crypto.createPublicKey({ key: jwk, format: 'jwk' })]));
      this.lastFetchFailed = false;
      // A key published now is no longer missing; one still absent keeps the time it was first missed.
      for (const kid of this.keys.keys()) this.missing.delete(kid);
    } catch (error) {
      this.lastFetchFailed = true;
      this.logger.warn('could not fetch signing keys from auth', { jwksUrl: this.jwksUrl, error });
    }
  }
}
