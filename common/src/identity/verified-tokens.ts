import { LRUCache } from 'lru-cache';

/** Token strings remembered at once; beyond it the least recently used are forgotten (and verified again if they come back). */
const REMEMBERED_TOKENS = 10_000;

/**
 * Token strings whose signature checked out, with what they said, until they
 * expire. A caller sends the same token with every request (a client its access
 * token, the gateway its internal token, a service its log-shipping token), and
 * an ES256 verification costs more than the rest of a small request: steady
 * traffic verifies each token once. Only an exact token string is recalled, so
 * a forged variant of a remembered one is verified like any other.
 */
export class VerifiedTokens<T extends object> {
  private readonly remembered = new LRUCache<string, { value: T; expiresAt: number }>({ max: REMEMBERED_TOKENS });

  constructor(private readonly now: () => number = Date.now) {}

  /** What the token said when verified, while it has not expired; undefined otherwise. */
  recall(token: string): T | undefined {
    const known = this.remembered.get(token);
    if (!known) return undefined;
    if (this.now() < known.expiresAt) return known.value;
    this.remembered.delete(token);
    return undefined;
  }

  /** Call only after verifying the token's signature and claims; `expiresAt` in ms since the epoch. */
  remember(token: string, value: T, expiresAt: number): void {
    this.remembered.set(token, { value, expiresAt });
  }
}
