import { buildSchema, parse, print } from 'graphql';
import { Identity } from '@herck/common';
import { applyDenials } from '../src/auth/apply-denials';
import { authorizeOperation, PLACEHOLDER_KEY } from '../src/auth/authorize-operation';
import { RolePolicy } from '../src/auth/role-policy';

const SUPERGRAPH = `
  directive @requiresRole(roles: [String!]!) on FIELD_DEFINITION | OBJECT
  type Query {
    public: String
    me: Account @requiresRole(roles: ["USER"])
    accounts: [Account!]! @requiresRole(roles: ["ADMIN"])
    team: [Account]
    feed: [Item!]!
  }
  interface Item {
    id: ID!
  }
  type Post implements Item {
    id: ID!
    draft: String @requiresRole(roles: ["ADMIN"])
  }
  type Photo implements Item {
    id: ID!
    draft: String
  }
  type Account {
    id: ID!
    name: String
    secret: String! @requiresRole(roles: ["ADMIN"])
    audit: Audit
  }
  type Audit @requiresRole(roles: ["ADMIN"]) {
    note: String
  }
`;
const schema = buildSchema(SUPERGRAPH);
const policy = RolePolicy.fromSupergraph(SUPERGRAPH);
const user: Identity = { accountId: 'u1', roles: ['USER'] };
const admin: Identity = { accountId: 'a1', roles: ['USER', 'ADMIN'] };
const anonymous: Identity = { accountId: null, roles: [] };

function authorize(query: string, identity: Identity, variables: Record<string, unknown> = {}) {
  return authorizeOperation(schema, parse(query), undefined, variables, identity, policy);
}

describe('authorizeOperation', () => {
  it('leaves an allowed operation untouched', () => {
    const document = parse('{ me { id name } public }');
    const result = authorizeOperation(schema, document, undefined, {}, user, policy);
    expect(result.denials).toEqual([]);
    expect(result.document).toBe(document);
  });

  it('removes denied fields, keeps the rest, and reports UNAUTHENTICATED or FORBIDDEN', () => {
    const anon = authorize('{ public me { id } }', anonymous);
    expect(print(anon.document)).not.toContain('me');
    expect(anon.denials).toEqual([expect.objectContaining({ code: 'UNAUTHENTICATED', path: [expect.objectContaining({ key: 'me' })] })]);
    const forbidden = authorize('{ me { id mine: secret } }', user);
    expect(print(forbidden.document)).not.toContain('secret');
    expect(forbidden.denials).toEqual([expect.objectContaining({ code: 'FORBIDDEN', path: [expect.objectContaining({ key: 'me' }), expect.objectContaining({ key: 'mine', nullable: false })] })]);
    expect(forbidden.nothingLeft).toBe(false);
  });

  it('sees through named and inline fragments and applies type-level requirements', () => {
    const result = authorize('{ me { ...F } } fragment F on Account { id ... on Account { audit { note } } }', user);
    expect(result.denials.map((d) => d.path.map((s) => s.key))).toEqual([['me', 'audit', 'note']]);
    expect(print(result.document)).not.toContain('fragment');
  });

  it('keeps a selection set valid when every field in it is denied', () => {
    const result = authorize('{ me { audit { note } } }', user);
    expect(print(result.document)).toContain(`${PLACEHOLDER_KEY}: __typename`);
  });

  it('rejects the operation when nothing is left', () => {
    expect(authorize('{ accounts { id } }', user).nothingLeft).toBe(true);
  });

  it('does not demand roles for a field that @skip or @include leave out', () => {
    expect(authorize('query ($no: Boolean!) { public accounts @include(if: $no) { id } }', user, { no: false }).denials).toEqual([]);
    expect(authorize('query ($no: Boolean!) { public accounts @include(if: $no) { id } }', user, { no: true }).denials).toHaveLength(1);
  });

  it('lets admins through', () => {
    expect(authorize('{ accounts { id secret audit { note } } }', admin).denials).toEqual([]);
  });
});

describe('applyDenials', () => {
  it('puts null and an error at every concrete path, through lists', () => {
    const { denials } = authorize('{ team { id audit { note } } }', user);
    const data = { team: [{ id: '1', audit: { [PLACEHOLDER_KEY]: 'Audit' } }, null, { id: '2', audit: null }] };
    const result = applyDenials(data, denials);
    expect(result.data).toEqual({ team: [{ id: '1', audit: { note: null } }, null, { id: '2', audit: null }] });
    expect(result.errors.map((e) => e.path)).toEqual([['team', 0, 'audit', 'note']]);
    expect(result.errors[0]!.extensions?.code).toBe('FORBIDDEN');
  });

  it('bubbles null from a non-null field to the nearest nullable parent', () => {
    const { denials } = authorize('{ public team { id secret } }', user);
    const result = applyDenials({ public: 'p', team: [{ id: '1' }, { id: '2' }] }, denials);
    // Account.secret is non-null and team items are nullable: each item becomes null.
    expect(result.data).toEqual({ public: 'p', team: [null, null] });
    expect(result.errors.map((e) => e.path)).toEqual([['team', 0, 'secret'], ['team', 1, 'secret']]);
  });

  it('nulls a field denied inside a type-conditioned fragment only on objects of that type', () => {
    const { document, denials } = authorize('{ feed { id ... on Post { draft } ... on Photo { draft } } }', user);
    expect(print(document)).toContain(`... on Post {\n      ${PLACEHOLDER_KEY}: __typename`);
    // What the subgraphs answer for the reduced document:
    const data: Parameters<typeof applyDenials>[0] = { feed: [{ id: 'p1', [PLACEHOLDER_KEY]: 'Post' }, { id: 'f1', draft: 'kept' }] };
    const result = applyDenials(data, denials);
    expect(result.data).toEqual({ feed: [{ id: 'p1', draft: null }, { id: 'f1', draft: 'kept' }] });
    expect(result.errors.map((e) => e.path)).toEqual([['feed', 0, 'draft']]);
  });

  it('nulls the whole response when the null reaches a non-null root field', () => {
    const { denials } = authorize('{ public accounts { id } }', user);
    expect(applyDenials({ public: 'p' }, denials).data).toBeNull();
  });
});
