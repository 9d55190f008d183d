import { buildSchema, getOperationAST, parse } from 'graphql';
import { MAX_VARIABLE_DEPTH, variableErrors, withCheckedScalars } from '../src/auth/variable-errors';

const schema = withCheckedScalars(
  buildSchema(`
    scalar Decimal
    scalar DateTime
    enum Side { BUY SELL }
    input OrderInput { amount: Decimal!, side: Side! = BUY, note: String, legs: [Leg!], channels: Channels }
    input Leg { period: Int! }
    input Channels { webhookUrl: String }
    input Filter { from: DateTime, symbols: [String!] }
    type Query {
      orders(first: Int! = 20, filter: Filter): [String!]!
      legsOf(legs: [Leg!]!): Int
    }
    type Mutation {
      place(input: OrderInput!): String
    }
  `),
);

/** [code, field, message] of each error for `source` with `variables`. */
function check(source: string, variables: Record<string, unknown>, options = {}) {
  const document = parse(source);
  return variableErrors(schema, document, getOperationAST(document)!, variables, options).map((error) => [error.extensions.code, error.extensions.field, error.message]);
}

describe('variableErrors', () => {
  it('accepts variables that fit, and operations without variables cost nothing', () => {
    expect(check('query ($f: Filter) { orders(filter: $f) }', { f: { from: '2026-12-02T12:00:00Z', symbols: ['BTC'] } })).toEqual([]);
    expect(check('mutation ($i: OrderInput!) { place(input: $i) }', { i: { amount: '10.50' } })).toEqual([]);
    expect(check('{ orders }', { stray: 1 })).toEqual([]);
  });

  it('names the input field of a value that does not fit, with the Decimal and DateTime checks the subgraphs apply', () => {
    expect(check('mutation ($i: OrderInput!) { place(input: $i) }', { i: { amount: 'abc' } })).toEqual([['BAD_USER_INPUT', 'amount', expect.stringContaining('at "i.amount"')]]);
    expect(check('mutation ($i: OrderInput!) { place(input: $i) }', { i: { amount: 10 } }).map(([, field]) => field)).toEqual(['amount']);
    expect(check('query ($f: Filter) { orders(filter: $f) }', { f: { from: 'yesterday' } }).map(([, field]) => field)).toEqual(['from']);
    expect(check('query ($f: Filter) { orders(filter: $f) }', { f: { symbols: ['BTC', 7] } }).map(([, field]) => field)).toEqual(['symbols']);
    // A required input field left out, or one the type does not have: that field is named.
    expect(check('mutation ($i: OrderInput!) { place(input: $i) }', { i: { side: 'SELL' } })).toEqual([['BAD_USER_INPUT', 'amount', expect.stringContaining('Field "amount" of required type "Decimal!" was not provided')]]);
    expect(check('mutation ($i: OrderInput!) { place(input: $i) }', { i: { amount: '1', colour: 'red' } }).map(([, field]) => field)).toEqual(['colour']);
  });

  it('names the argument a missing or null variable feeds, also through fragments and input objects', () => {
    expect(check('mutation ($i: OrderInput!) { place(input: $i) }', {})).toEqual([['BAD_USER_INPUT', 'input', expect.stringContaining('was not provided')]]);
    // null for an argument that has a default but may not be null: GraphQL lets the document through.
    expect(check('query ($n: Int) { orders(first: $n) }', { n: null })).toEqual([['BAD_USER_INPUT', 'first', expect.stringContaining('must not be null')]]);
    expect(check('query ($n: Int) { ...F } fragment F on Query { ...G } fragment G on Query { orders(first: $n) }', { n: null }).map(([, field]) => field)).toEqual(['first']);
    expect(check('mutation ($s: Side) { place(input: { amount: "1", side: $s }) }', { s: null }).map(([, field]) => field)).toEqual(['side']);
    // Where null is allowed, it is fine.
    expect(check('mutation ($t: String) { place(input: { amount: "1", note: $t }) }', { t: null })).toEqual([]);
  });

  it('names a nested input field by its path below the argument, as the subgraphs do', () => {
    const place = 'mutation ($i: OrderInput!) { place(input: $i) }';
    expect(check(place, { i: { amount: '1', legs: [{ period: 5 }, { period: 'x' }] } }).map(([, field]) => field)).toEqual(['legs[1].period']);
    expect(check(place, { i: { amount: '1', legs: [{}] } }).map(([, field]) => field)).toEqual(['legs[0].period']);
    expect(check(place, { i: { amount: '1', channels: { webhookUrl: 7 } } }).map(([, field]) => field)).toEqual(['channels.webhookUrl']);
    // An argument that is itself a list of input objects: its items are named below it.
    expect(check('query ($l: [Leg!]!) { legsOf(legs: $l) }', { l: [{ period: 1.5 }] }).map(([, field]) => field)).toEqual(['legs[0].period']);
    expect(check('query ($l: [Leg!]!) { legsOf(legs: $l) }', { l: [{}] }).map(([, field]) => field)).toEqual(['legs[0].period']);
    // A variable inside an input object written in the document: the path starts at the argument too.
    expect(check('mutation ($c: Channels) { place(input: { amount: "1", channels: $c }) }', { c: { webhookUrl: 'a\u0000' } }).map(([, field]) => field)).toEqual(['channels.webhookUrl']);
  });

  it('refuses text no store can hold (a NUL character, an unpaired surrogate), naming its field', () => {
    expect(check('query ($f: Filter) { orders(filter: $f) }', { f: { symbols: ['BTC', 'a\u0000b'] } })).toEqual([['BAD_USER_INPUT', 'symbols', expect.stringContaining('NUL')]]);
    for (const text of ['note\ud800', '\udfffnote', 'a\udc00\ud800b']) {
      expect(check('mutation ($i: OrderInput!) { place(input: $i) }', { i: { amount: '1', note: text } })).toEqual([['BAD_USER_INPUT', 'note', expect.stringContaining('unpaired surrogate')]]);
    }
    // A pair is one character (an emoji), not two halves.
    expect(check('mutation ($i: OrderInput!) { place(input: $i) }', { i: { amount: '1', note: 'rocket \ud83d\ude80' } })).toEqual([]);
  });

  it('repeats no more than the start of a long value it refuses', () => {
    const [[, field, message]] = check('mutation ($i: OrderInput!) { place(input: $i) }', { i: { amount: '9'.repeat(10_000) + 'x' } });
    expect([field, (message as string).length < 300]).toEqual(['amount', true]);
  });

  it('repeats no more than the start of a long value that is not text', () => {
    const [[, field, message]] = check('mutation ($i: OrderInput!) { place(input: $i) }', { i: { amount: '1', note: { words: 'w'.repeat(10_000) } } });
    expect([field, (message as string).length < 400]).toEqual(['note', true]);
  });

  it('refuses a value nested deeper than any input, at once, however deep', () => {
    const nested = (depth: number, inner: unknown = 'x'): unknown => Array.from({ length: depth }).reduce<unknown>((value) => [value], inner);
    // Thousands of levels ran the recursive checks out of stack (a 500).
    for (const depth of [MAX_VARIABLE_DEPTH + 1, 5_000, 200_000]) {
      expect(check('mutation ($i: OrderInput!) { place(input: $i) }', { i: nested(depth) })).toEqual([
        ['BAD_USER_INPUT', 'input', `Variable "$i" nests lists or objects more than ${MAX_VARIABLE_DEPTH} levels deep.`],
      ]);
    }
    // At the bound the value is checked as usual: here, a list where an input object belongs.
    const [[code, field, message]] = check('mutation ($i: OrderInput!) { place(input: $i) }', { i: nested(MAX_VARIABLE_DEPTH) });
    expect([code, field, message]).toEqual(['BAD_USER_INPUT', 'input', expect.stringContaining('Expected type "OrderInput" to be an object')]);
  });

  it('stops at 50 errors, however many bad items a list holds', () => {
    expect(check('query ($f: Filter) { orders(filter: $f) }', { f: { symbols: Array.from({ length: 20_000 }, (_, i) => i) } })).toHaveLength(50);
  });

  it('drops "Did you mean …?" when asked to hide the schema', () => {
    const [shown] = check('mutation ($i: OrderInput!) { place(input: $i) }', { i: { amount: '1', side: 'BUYY' } });
    expect(shown![2]).toMatch(/Did you mean/);
    const [hidden] = check('mutation ($i: OrderInput!) { place(input: $i) }', { i: { amount: '1', side: 'BUYY' } }, { hideSuggestions: true });
    expect(hidden![2]).not.toMatch(/Did you mean|BUY"/);
  });
});
