import { GraphQLError } from 'graphql';
import { withValueCompletionErrors } from '../src/remote/value-completion-errors';

describe('withValueCompletionErrors', () => {
  const nulled = new GraphQLError('Cannot return null for non-nullable field Order.asset.', { path: ['order', 'asset'], extensions: { code: 'INVALID_GRAPHQL' } });

  it("makes the gateway's nulls in non-null places errors at their paths, so `data: null` never comes without one", () => {
    const result = withValueCompletionErrors({ data: null, extensions: { valueCompletion: [nulled] } });
    expect(result).toEqual({ data: null, errors: [nulled], extensions: undefined });
  });

  it('keeps the other extensions and errors, and leaves a result without such nulls as it was', () => {
    const fetchError = new GraphQLError('The orders service is unavailable', { path: ['orders'] });
    expect(withValueCompletionErrors({ data: {}, errors: [fetchError], extensions: { valueCompletion: [nulled], other: 1 } })).toEqual({ data: {}, errors: [fetchError, nulled], extensions: { other: 1 } });
    const plain = { data: { order: null }, extensions: { valueCompletion: [] } };
    expect(withValueCompletionErrors(plain)).toBe(plain);
  });
});
