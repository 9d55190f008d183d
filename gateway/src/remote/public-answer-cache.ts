import { LRUCache } from 'lru-cache';

/** Room for remembered answers (all subgraphs together), counted in characters of their JSON and keys. */
const MAX_CHARACTERS = 32 * 1024 * 1024;

/**
 * Subgraph answers their subgraph declared public (`Cache-Control: public,
 * max-age=N`: the same for every caller allowed to ask, such as market's
 * round-scoped data), reused until that age. Personal answers carry no such
 * header and are never kept. Answers are kept as the JSON text received and
 * parsed again for each use: the query planner merges later fetches into the
 * objects it is handed, which must not be shared between requests.
 */
export class PublicAnswerCache {
  private readonly answers = new LRUCache<string, string>({ maxSize: MAX_CHARACTERS, sizeCalculation: (text, key) => text.length + key.length });
  /** Subgraphs that ever declared an answer public: the others' fetches are not looked up at all. */
  private readonly publicSubgraphs = new Set<string>();

  /** The JSON text of the answer to `request` (the fetch's body) while it is still fresh. */
  get(subgraph: string, request: string): string | undefined {
    return this.publicSubgraphs.has(subgraph) ? this.answers.get(`${subgraph}\u0000${request}`) : undefined;
  }

  /** Per subgraph, how many times its answers were forgotten: an answer asked for before the last time is not kept. */
  private readonly generations = new Map<string, number>();

  /** Call before sending a read; pass the result to `remember`. */
  generation(subgraph: string): number {
    return this.generations.get(subgraph) ?? 0;
  }

  /**
   * Forgets every answer of `subgraph`: a mutation went to it, and may have changed what they
   * said (an asset tracked, candles imported). Its next reads go to it, as a client would
   * expect, and a read already under way is not kept when it returns (it may predate the change).
   */
  forget(subgraph: string): void {
    this.generations.set(subgraph, this.generation(subgraph) + 1);
    if (!this.publicSubgraphs.has(subgraph)) return;
    const prefix = `${subgraph}\u0000`;
    for (const key of [...this.answers.keys()]) if (key.startsWith(prefix)) this.answers.delete(key);
  }

  /**
   * Keeps `text` for as long as `cacheControl` allows a shared cache to; not at all unless it says
   * `public` with an age, nor when the subgraph's answers were forgotten since it was asked for.
   */
  remember(subgraph: string, request: string, text: string, cacheControl: string | undefined, askedAtGeneration = this.generation(subgraph)): void {
    const maxAgeSeconds = publicMaxAge(cacheControl);
    if (maxAgeSeconds <= 0 || askedAtGeneration !== this.generation(subgraph)) return;
    this.publicSubgraphs.add(subgraph);
    this.answers.set(`${subgraph}\u0000${request}`, text, { ttl: maxAgeSeconds * 1000 });
  }
}

/** `max-age` of a `Cache-Control` value that says `public`, else 0 (private, no-store, no-cache or no age). */
export function publicMaxAge(cacheControl: string | undefined): number {
  if (!cacheControl) return 0;
  const directives = cacheControl.toLowerCase().split(',').map((part) => part.trim());
  if (!directives.includes('public') || directives.some((d) => d === 'private' || d === 'no-store' || d === 'no-cache')) return 0;
  const age = directives.find((d) => d.startsWith('max-age='))?.slice('max-age='.length);
  return age && /^\d+$/.test(age) ? Number(age) : 0;
}
