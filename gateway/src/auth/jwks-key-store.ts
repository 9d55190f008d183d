import crypto, { JsonWebKey, KeyObject } from 'node:crypto';
import { Logger } from '@herck/common';

/** Auth's keys could not be fetched: a token naming a key not known yet can be neither accepted nor refused. */
export class SigningKeysUnavailableError extends Error {
  constructor() {
    super('The signing keys could not be fetched from auth');
  }
}

/**
 * Auth's public signing keys, fetched from its JWKS endpoint and fetched again
 * when a token names a key we have not seen (auth rotated its keys).
 */
export class JwksKeyStore {
  private keys = new Map<string, KeyObject>();
  private lastFetch = 0;
  /** Whether the latest fetch failed: an unknown key then says nothing about the token. */
  private lastFetchFailed = false;
  private inFlight?: Promise<void>;

  constructor(
    private readonly jwksUrl: string,
    private readonly logger: Logger,
    /** Never fetch more often than this, however many unknown `kid`s arrive (forged tokens are free to make). */
    private readonly minRefreshIntervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The key, or undefined when auth's current keys do not include it (the token is not
   * auth's); throws SigningKeysUnavailableError when auth's keys could not be fetched.
   */
  async get(kid: string): Promise<KeyObject | undefined> {
    // A fetch under way may bring this key: wait for it rather than refuse the token meanwhile.
    if (!this.keys.has(kid) && this.inFlight) await this.inFlight;
    if (!this.keys.has(kid) && this.now() - this.lastFetch >= this.minRefreshIntervalMs) await this.refresh();
    const key = this.keys.get(kid);
    if (!key && this.lastFetchFailed) throw new SigningKeysUnavailableError();
    return key;
  }

  private refresh(): Promise<void> {
    this.inFlight ??= this.fetchKeys().finally(() => {
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
    } catch (error) {
      this.lastFetchFailed = true;
      this.logger.warn('could not fetch signing keys from auth', { jwksUrl: this.jwksUrl, error });
    }
  }
}
