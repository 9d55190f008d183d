import { buildSchema, DocumentNode, NoUnusedVariablesRule, parse, print, specifiedRules, validate } from 'graphql';
import { Identity } from '@herck/common';
import { applyDenials } from '../src/auth/apply-denials';
import { authorizeOperation, denialErrors, PLACEHOLDER_KEY } from '../src/auth/authorize-operation';
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
  type Mutation {
    touch: String
    promote: Account! @requiresRole(roles: ["ADMIN"])
    rename: Account!
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

// The rewrite keeps every variable definition so the gateway coerces what the client
// sent exactly as for the original operation, even when the field using one is gone.
const rewriteRules = specifiedRules.filter((rule) => rule !== NoUnusedVariablesRule);

function validationErrors(document: DocumentNode): string[] {
  return validate(schema, document, rewriteRules).map((error) => error.message);
}

function deniedPaths(result: { denials: { path: { key: string }[] }[] }): string[][] {
  return result.denials.map((denial) => denial.path.map((step) => step.key));
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

  it('drops skipped fields, fragment spreads inside them included, when another field is denied', () => {
    const skipped = authorize('{ public me @skip(if: true) { ...F } accounts { id } } fragment F on Account { id name }', user);
    expect(deniedPaths(skipped)).toEqual([['accounts']]);
    expect(validationErrors(skipped.document)).toEqual([]);
    expect(print(skipped.document)).not.toMatch(/\bme\b/);

    const excluded = authorize('query ($yes: Boolean!) { team @include(if: $yes) { ...F } public me { secret } } fragment F on Account { name }', user, { yes: false });
    expect(deniedPaths(excluded)).toEqual([['me', 'secret']]);
    expect(validationErrors(excluded.document)).toEqual([]);
    expect(print(excluded.document)).not.toContain('team');
  });

  it('honours variable default values in @skip and @include', () => {
    const query = 'query ($s: Boolean = true, $i: Boolean = false) { public accounts @skip(if: $s) { ...F } team @include(if: $i) { ...F } me { secret } } fragment F on Account { name }';
    const defaults = authorize(query, user);
    expect(deniedPaths(defaults)).toEqual([['me', 'secret']]);
    expect(validationErrors(defaults.document)).toEqual([]);
    const sent = authorize(query, user, { s: false, i: true });
    expect(deniedPaths(sent)).toEqual([['accounts'], ['me', 'secret']]);
    expect(validationErrors(sent.document)).toEqual([]);
  });

  it('treats nothing as skipped when the variables do not coerce, and still inlines every spread', () => {
    const result = authorize('query ($s: Boolean!) { public me @skip(if: $s) { ...F } accounts { id } } fragment F on Account { name }', user, { s: 'yes' });
    expect(deniedPaths(result)).toEqual([['accounts']]);
    expect(validationErrors(result.document)).toEqual([]);
  });

  it('inlines fragment spreads inside __schema and __type when another field is denied', () => {
    const result = authorize(
      '{ __typename __schema { queryType { ...T } } named: __type(name: "Account") { ...T fields { name } } me { secret } } fragment T on __Type { name kind }',
      user,
    );
    expect(deniedPaths(result)).toEqual([['me', 'secret']]);
    expect(validationErrors(result.document)).toEqual([]);
    expect(print(result.document)).toContain('__typename');
  });

  it('does not demand roles inside a skipped fragment, and keeps a selection set left empty valid', () => {
    const fragment = authorize('{ me { id ...G @skip(if: true) ... on Account @include(if: false) { audit { note } } } accounts { id } } fragment G on Account { secret }', user);
    expect(deniedPaths(fragment)).toEqual([['accounts']]);
    expect(validationErrors(fragment.document)).toEqual([]);

    const emptied = authorize('{ me { name @skip(if: true) } accounts { id } }', user);
    expect(print(emptied.document)).toContain(`me {\n    ${PLACEHOLDER_KEY}: __typename`);
    expect(validationErrors(emptied.document)).toEqual([]);
  });

  it('runs no mutation field after one whose denial nulls the whole answer, as GraphQL runs them one after the other', () => {
    const kept = (query: string) => print(authorize(query, user).document).replace(/\s+/g, ' ');
    // Denied and non-null at the root: what follows it would never run.
    expect(kept('mutation { touch promote { id } rename { id } }')).toBe(`mutation { touch }`);
    // Denied below, through non-null fields only: `rename` runs (its answer is lost), `touch` does not.
    expect(kept('mutation { rename { secret } touch }')).toBe(`mutation { rename { ${PLACEHOLDER_KEY}: __typename } }`);
    // Denied below a nullable field: its null stops there, and the mutation goes on.
    expect(kept('mutation { rename { audit { note } } touch }')).toBe(`mutation { rename { audit { ${PLACEHOLDER_KEY}: __typename } } touch }`);
  });

  it('lets admins through', () => {
    expect(authorize('{ accounts { id secret audit { note } } }', admin).denials).toEqual([]);
  });
});

describe('applyDenials', () => {
  it('puts null and an error at every concrete path, through lists', () => {
    const { denials, keyOrder } = authorize('{ team { id audit { note } } }', user);
    const data = { team: [{ id: '1', audit: { [PLACEHOLDER_KEY]: 'Audit' } }, null, { id: '2', audit: null }] };
    const result = applyDenials(data, denials, keyOrder);
    expect(result.data).toEqual({ team: [{ id: '1', audit: { note: null } }, null, { id: '2', audit: null }] });
    expect(result.errors.map((e) => e.path)).toEqual([['team', 0, 'audit', 'note']]);
    expect(result.errors[0]!.extensions?.code).toBe('FORBIDDEN');
  });

  it('bubbles null from a non-null field to the nearest nullable parent', () => {
    const { denials, keyOrder } = authorize('{ public team { id secret } }', user);
    const result = applyDenials({ public: 'p', team: [{ id: '1' }, { id: '2' }] }, denials, keyOrder);
    // Account.secret is non-null and team items are nullable: each item becomes null.
    expect(result.data).toEqual({ public: 'p', team: [null, null] });
    expect(result.errors.map((e) => e.path)).toEqual([['team', 0, 'secret'], ['team', 1, 'secret']]);
  });

  it('nulls a field denied inside a type-conditioned fragment only on objects of that type', () => {
    const { document, denials, keyOrder } = authorize('{ feed { id ... on Post { draft } ... on Photo { draft } } }', user);
    expect(print(document)).toContain(`... on Post {\n      ${PLACEHOLDER_KEY}: __typename`);
    // What the subgraphs answer for the reduced document:
    const data: Parameters<typeof applyDenials>[0] = { feed: [{ id: 'p1', [PLACEHOLDER_KEY]: 'Post' }, { id: 'f1', draft: 'kept' }] };
    const result = applyDenials(data, denials, keyOrder);
    expect(result.data).toEqual({ feed: [{ id: 'p1', draft: null }, { id: 'f1', draft: 'kept' }] });
    expect(result.errors.map((e) => e.path)).toEqual([['feed', 0, 'draft']]);
  });

  it('nulls the whole response when the null reaches a non-null root field', () => {
    const { denials, keyOrder } = authorize('{ public accounts { id } }', user);
    expect(applyDenials({ public: 'p' }, denials, keyOrder).data).toBeNull();
  });

  it('reports every denied field, also those after one that nulled the whole response', () => {
    // `accounts` (non-null) nulls the response; the denied `audit` after it was dropped from the errors.
    const { denials, keyOrder } = authorize('{ accounts { id } team { id audit { note } } }', user);
    const result = applyDenials({ team: [{ id: '1', audit: { [PLACEHOLDER_KEY]: 'Audit' } }] }, denials, keyOrder);
    expect(result.data).toBeNull();
    expect(result.errors.map((e) => e.path)).toEqual([['accounts'], ['team', 0, 'audit', 'note']]);
  });

  it('reports the denied root fields when another field\'s error had nulled the whole response', () => {
    // A non-null root field failed (its subgraph down): execution answered `data: null`. `accounts` was still reached.
    const { denials, keyOrder } = authorize('{ feed { id } accounts { id } me { secret } }', user);
    const result = applyDenials(null, denials, keyOrder);
    expect(result.data).toBeNull();
    expect(result.errors.map((e) => [e.path, e.extensions?.code])).toEqual([[['accounts'], 'FORBIDDEN']]);
    // No execution at all (a request error): no field error either.
    expect(applyDenials(undefined, denials, keyOrder).errors).toEqual([]);
  });

  it('gives a field selected twice one error, as it is one field of the result', () => {
    const { denials, keyOrder } = authorize('{ public me { id } me { name } }', anonymous);
    const result = applyDenials({ public: 'p' }, denials, keyOrder);
    expect(result.data).toEqual({ public: 'p', me: null });
    expect(result.errors.map((e) => [e.path, e.extensions?.code])).toEqual([[['me'], 'UNAUTHENTICATED']]);
    const nothingLeft = authorize('{ me { id } me { name } }', anonymous);
    expect(denialErrors(nothingLeft.denials).map((e) => e.path)).toEqual([['me']]);
  });

  it('keeps the keys in the order the operation asked for them, denied ones included', () => {
    const query = '{ team { audit { note } id ...names } me { id } public } fragment names on Account { name first: id }';
    const { denials, keyOrder } = authorize(query, anonymous);
    // What execution of the reduced document answers: `me` removed, `audit` a placeholder.
    const data = { team: [{ id: '1', name: 'n', first: '1', audit: { [PLACEHOLDER_KEY]: 'Audit' } }], public: 'p' };
    const result = applyDenials(data, denials, keyOrder);
    expect(JSON.stringify(result.data)).toBe('{"team":[{"audit":{"note":null},"id":"1","name":"n","first":"1"}],"me":null,"public":"p"}');
  });
});
