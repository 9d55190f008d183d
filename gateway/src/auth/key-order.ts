/**
 * The order of the response keys an operation asks for, per selection set (a field's keys
 * below it, merged over every fragment and every field of the same key). Denied fields are
 * put back into an answer after it was executed without them: the answer is rebuilt in this
 * order, so its keys come in the order the client asked for them, as GraphQL's execution
 * orders them.
 */
export class KeyOrder {
  private readonly positions = new Map<string, number>();
  private readonly below = new Map<string, KeyOrder>();

  /** Notes `key` at its first appearance here; returns the order of the keys below it. */
  note(key: string): KeyOrder {
    if (!this.positions.has(key)) this.positions.set(key, this.positions.size);
    let inner = this.below.get(key);
    if (!inner) this.below.set(key, (inner = new KeyOrder()));
    return inner;
  }

  /** The keys of an answer's object in the asked order (keys never noted keep theirs, after the rest). */
  sort(keys: string[]): string[] {
    const position = (key: string) => this.positions.get(key) ?? Number.MAX_SAFE_INTEGER;
    // Array sort is stable: keys never noted stay in the order they came.
    return keys.sort((a, b) => position(a) - position(b));
  }

  /** The order below `key` (an empty one for a key never noted). */
  of(key: string): KeyOrder {
    return this.below.get(key) ?? NONE;
  }
}

const NONE = new KeyOrder();
