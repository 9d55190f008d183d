import { clientIdOf, OperationIds } from '../src/live/operation-ids';

describe("a connection's operation ids", () => {
  it('give each operation an id of its own, keep a running one for a duplicate, and map back to the client id', () => {
    const ids = new OperationIds();
    const first = ids.subscribe('x');
    // A second subscribe while the first runs reaches graphql-ws under the same id, which refuses it (4409).
    expect(ids.subscribe('x')).toBe(first);
    expect(ids.complete('x')).toBe(first);
    const second = ids.subscribe('x');
    expect(second).not.toBe(first);
    expect([clientIdOf(first), clientIdOf(second)]).toEqual(['x', 'x']);

    // The server ending the old operation does not free the id its successor now holds.
    ids.ended(first);
    expect(ids.subscribe('x')).toBe(second);
    ids.ended(second);
    expect(ids.subscribe('x')).not.toBe(second);

    // Ids that look like operation ids are the client's all the same.
    const lookalike = ids.subscribe(first);
    expect(lookalike).not.toBe(first);
    expect(clientIdOf(lookalike)).toBe(first);
    expect(ids.complete('never-started')).toBeUndefined();
  });
});
