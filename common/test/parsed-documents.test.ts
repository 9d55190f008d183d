import { parse } from 'graphql';
import { parsedDocumentStore } from '../src/server/parsed-documents';

/** A query of about 350 characters, made distinct by its name. */
const document = (index: number) =>
  parse(`query Orders${index}($first: Int!, $after: String) { me { id username roles orders(first: $first, after: $after) { nodes { id quantity amount currency status createdAt asset { symbol name latestTick { price time global { btcDominance } } } } pageInfo { hasNextPage endCursor } } } portfolios { id name baseCurrency } }`);

describe('parsedDocumentStore', () => {
  it('keeps parsed documents up to its room in characters of their text, the most recently used first', async () => {
    const maxCharacters = 100_000;
    const store = parsedDocumentStore(maxCharacters);
    const length = document(0).loc!.end;
    for (let index = 0; index < 2_000; index += 1) {
      await store.set(`doc${index}`, document(index));
      // The first document stays in use all along.
      await store.get('doc0');
    }
    let kept = 0;
    for (let index = 0; index < 2_000; index += 1) if (await store.get(`doc${index}`)) kept += 1;
    // Apollo's default counted each by its JSON (about 7,000 characters each here, 4× under what it holds): far fewer fit.
    expect(kept * length).toBeLessThanOrEqual(maxCharacters);
    // Names of up to four digits make documents up to three characters longer than the first.
    expect(kept).toBeGreaterThan(maxCharacters / (length + 3) - 1);
    expect(await store.get('doc0')).toBeDefined();
    expect(await store.get('doc1')).toBeUndefined();
    expect(await store.get('doc1999')).toBeDefined();
  });
});
