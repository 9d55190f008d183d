import * as federation from '@apollo/federation-internals';
import { DocumentNode, Kind, parse } from 'graphql';
import { reuseOperationsAcrossRequests } from '../src/remote/reused-operations';

// Identity is compared as a boolean: a failing toBe on an operation would print its whole schema.

const schema = federation.buildSchema(`
  type Query { me: Account }
  type Account { id: ID! name: String friends: [Account!]! }
`);

/** What Apollo Gateway's `executeQueryPlan` passes on each request: a new document around the request's definition nodes. */
const asExecutorBuildsIt = (document: DocumentNode): DocumentNode => ({ kind: Kind.DOCUMENT, definitions: [...document.definitions] });
const forShaping = (document: DocumentNode) => federation.operationFromDocument(schema, asExecutorBuildsIt(document), { validate: false });

describe("federation's operation model, as the gateway shapes answers with it", () => {
  beforeAll(() => reuseOperationsAcrossRequests());

  it('is built once per parsed document, and read from federation as Apollo Gateway reads it', () => {
    const document = parse('query Me { me { id name } }');
    const first = forShaping(document);
    expect(forShaping(document) === first).toBe(true);
    expect(first.selectionSet.toString()).toBe('{ me { id name } }');
  });

  it('is built again for another parsed document, even of the same text', () => {
    const text = 'query Me { me { id ...Named } } fragment Named on Account { name }';
    const document = parse(text);
    const other = parse(text);
    expect(forShaping(other) === forShaping(document)).toBe(false);
    // The same operation with other fragments: another model, whose fragment is the new one.
    const refragmented: DocumentNode = { kind: Kind.DOCUMENT, definitions: [document.definitions[0]!, ...parse('fragment Named on Account { friends { id } }').definitions] };
    const reshaped = forShaping(refragmented);
    expect(reshaped === forShaping(document)).toBe(false);
    expect(reshaped.expandAllFragments().selectionSet.toString()).toBe('{ me { id friends { id } } }');
  });

  it('is built every time for calls that validate (the planner) or name an operation', () => {
    const document = parse('query Me { me { id } }');
    expect(federation.operationFromDocument(schema, document) === federation.operationFromDocument(schema, document)).toBe(false);
    const named = () => federation.operationFromDocument(schema, document, { validate: false, operationName: 'Me' });
    expect(named() === named()).toBe(false);
  });

  it('is the same after the replacement is asked for twice', () => {
    const replaced = federation.operationFromDocument;
    reuseOperationsAcrossRequests();
    expect(federation.operationFromDocument).toBe(replaced);
  });
});
