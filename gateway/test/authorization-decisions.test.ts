import { AuthorizationDecisions, MAX_DECISION_CHARACTERS } from '../src/auth/authorization-decisions';

describe('authorization decisions kept for reuse', () => {
  // Each decision holds its parsed document, which keeps the document's whole text: 5,000 distinct
  // documents near the body limit (any client may send them) held about 460 MB in the gateway.
  it('keep at most their room in characters of documents and keys, however large the documents sent', () => {
    const decisions = new AuthorizationDecisions<{ sourceLength: number }>();
    const keys: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      const key = `hash-${i}\u0000\u0000anonymous\u0000\u0000${JSON.stringify({ search: 'y'.repeat(i % 100) })}`;
      const sourceLength = 90_000 + i;
      decisions.set(key, { sourceLength }, sourceLength);
      keys.push(key);
    }
    const held = keys.map((key) => [key, decisions.get(key)] as const).filter(([, decision]) => decision !== undefined);
    const characters = held.reduce((sum, [key, decision]) => sum + key.length + decision!.sourceLength, 0);
    expect(characters).toBeLessThanOrEqual(MAX_DECISION_CHARACTERS);
    // The most recent stay.
    expect(held.map(([key]) => key)).toContain(keys.at(-1));
  });

  it('keep small decisions up to their count', () => {
    const decisions = new AuthorizationDecisions<{ n: number }>();
    for (let i = 0; i < 6_000; i++) decisions.set(`k${i}`, { n: i }, 40);
    expect(decisions.get('k5999')).toEqual({ n: 5999 });
    expect(decisions.get('k1000')).toEqual({ n: 1000 });
    expect(decisions.get('k999')).toBeUndefined();
  });
});
