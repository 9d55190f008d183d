import { GraphQLError } from 'graphql';
import { failedFetchErrors } from '../src/remote/failed-fetch-errors';

const failure = new GraphQLError('The market service is unavailable; try again shortly', { extensions: { code: 'SERVICE_UNAVAILABLE' } });
const at = (path: (string | number)[]) => ({ message: failure.message, path, extensions: { code: 'SERVICE_UNAVAILABLE' } });

describe('failedFetchErrors', () => {
  it('puts a root fetch failure at each root field it asked for, by alias', () => {
    expect(failedFetchErrors(failure, 'query Q__market__0 { btc: asset(symbol: "BTC") { name } marketSnapshot { __typename } }', {})).toEqual([at(['btc']), at(['marketSnapshot'])]);
  });

  it("puts an entity fetch failure at each entity's fields, following fragments and the entity's own type", () => {
    const query = `query Q__market__1($representations: [_Any!]!) { _entities(representations: $representations) { __typename ... on Asset { name ...Tick } ... on Order { total: quantity } } }
      fragment Tick on Asset { latestTick { price } }`;
    const representations = [{ __typename: 'Asset', symbol: 'BTC' }, { __typename: 'Order', id: '1' }, { __typename: 'Candle', id: '2' }];
    expect(failedFetchErrors(failure, query, { representations })).toEqual([
      at(['_entities', 0, 'name']),
      at(['_entities', 0, 'latestTick']),
      at(['_entities', 1, 'total']),
      // No field of its type asked for: the entity itself.
      at(['_entities', 2]),
    ]);
  });
});
