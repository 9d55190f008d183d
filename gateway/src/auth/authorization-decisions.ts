import { LRUCache } from 'lru-cache';
import { PARSED_DOCUMENTS_MAX_CHARACTERS } from '@herck/common';

/** Authorization decisions remembered at once (per document, operation and role set). */
const MAX_DECISIONS = 5_000;
/**
 * Room for them, in characters of their keys and of the documents' text they keep alive: as much as
 * Apollo Server's parsed documents get (a parsed document holds about 80 bytes per character of its
 * text), whose documents they mostly are.
 */
export const MAX_DECISION_CHARACTERS = PARSED_DOCUMENTS_MAX_CHARACTERS;

/**
 * Authorization decisions, the most recently used kept. A decision holds the
 * parsed document it was made for, and a parsed document keeps its whole source
 * text (and a key may hold the variables): counted by entries alone, 5,000
 * distinct documents near the body limit held about 460 MB. So they are counted
 * by size too.
 */
export class AuthorizationDecisions<Decision extends {}> {
  private readonly cache = new LRUCache<string, Decision>({ max: MAX_DECISIONS, maxSize: MAX_DECISION_CHARACTERS });

  get(key: string): Decision | undefined {
    return this.cache.get(key);
  }

  /** Remembers `decision` for `key`; `sourceLength` is the length of the document's text, which the decision keeps alive. */
  set(key: string, decision: Decision, sourceLength: number): void {
    this.cache.set(key, decision, { size: key.length + sourceLength });
  }
}
