import crypto, { JsonWebKey, KeyObject } from 'node:crypto';
import { Logger } from '@herck/common';


/**
 * Auth's public signing keys, fetched from its JWKS endpoint and fetched again
 * when a token names a key we have not seen (auth rotated its keys).
 */
export class JwksKeyStore {
  private keys = new Map<string, KeyObject>();
  private lastFetch = 0;
  private inFlight?: Promise<void>;

  constructor(
    private readonly jwksUrl: string,
    private readonly logger: Logger,
    /** Never fetch more often than this, however many unknown `kid`s arrive (forged tokens are free to make). */
    private readonly minRefreshIntervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(kid: string): Promise<KeyObject | undefined> {
    // A fetch under way may bring this key: wait for it rather than refuse the token meanwhile.
    if (!this.keys.has(kid) && this.inFlight) await this.inFlight;
    if (!this.keys.has(kid) && this.now() - this.lastFetch >= this.minRefreshIntervalMs) await this.refresh();
    return this.keys.get(kid);
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
    } catch (error) {
      this.logger.warn('could not fetch signing keys from auth', { jwksUrl: this.jwksUrl, error });
    }
  }
}
