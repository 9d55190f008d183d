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

describe('failedFetchErrors with @skip and @include', () => {
  it('puts no error at a field the operation left out, whether by a literal or a variable', () => {
    const query = `query Q__orders__0($withOrders: Boolean!, $bare: Boolean!) {
      kept: order(id: "1") { id }
      left: order(id: "2") @include(if: $withOrders) { id }
      skipped: order(id: "3") @skip(if: true) { id }
      ... @skip(if: $bare) { fragmentField: order(id: "4") { id } }
    }`;
    expect(failedFetchErrors(failure, query, { withOrders: false, bare: true })).toEqual([at(['kept'])]);
    expect(failedFetchErrors(failure, query, { withOrders: true, bare: false })).toEqual([at(['kept']), at(['left']), at(['fragmentField'])]);
  });
});
