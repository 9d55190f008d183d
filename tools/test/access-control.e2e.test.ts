import { createPrivateKey, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { firstAdminAccountId, generateKeyPem, InternalTokenSigner, INTERNAL_TOKEN_HEADER, Role, signingKeyFrom } from '@herck/common';
import {
  AccountDocument,
  AccountsDocument,
  DeactivateAccountDocument,
  DeleteAccountDocument,
  LoginDocument,
  MeDocument,
  ReactivateAccountDocument,
  RefreshTokenDocument,
  RegisterDocument,
  SetRolesDocument,
  UpdateAccountDocument,
} from './support/operations.generated';
import { codes, send, sendRaw } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { adminEnv, eventually, logInAdmin, signUp, SignedUpUser } from './support/users';

const ADMIN_EMAIL = 'root@example.com';

let platform: TestPlatform;
let admin: { accessToken: string };
let alice: SignedUpUser;
let bob: SignedUpUser;

beforeAll(async () => {
  platform = await startTestPlatform(adminEnv(ADMIN_EMAIL));
  admin = await logInAdmin(platform);
  alice = await signUp(platform, 'alice');
  bob = await signUp(platform, 'bob');
});
afterAll(() => platform?.stop());

describe('the first admin', () => {
  it('exists from HERCK_ADMIN_EMAIL/PASSWORD with the ADMIN role and a matching profile', async () => {
    const me = await send(platform.gatewayUrl, MeDocument, {}, admin.accessToken);
    expect(me.data?.me).toMatchObject({ id: firstAdminAccountId(ADMIN_EMAIL), email: ADMIN_EMAIL, status: 'ACTIVE' });
    expect(me.data?.me?.roles).toEqual(expect.arrayContaining(['ADMIN', 'USER']));
  });
});

describe('per-field roles at the gateway', () => {
  it('answers an anonymous caller with UNAUTHENTICATED for protected fields and runs nothing', async () => {
    const response = await send(platform.gatewayUrl, MeDocument, {});
    // Field errors, not a request error: the field is null, the error at its path, the status 200.
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ me: null });
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.errors?.[0]?.path).toEqual(['me']);
  });

  it('keeps every allowed field beside a denied one, whatever alias the client gives it', async () => {
    for (const alias of ['__herck_denied', '__herck', 'denied']) {
      const response = await sendRaw(platform.gatewayUrl, { query: `{ ${alias}: __typename me { id } }` });
      expect(response.data).toEqual({ [alias]: 'Query', me: null });
      expect(codes(response)).toEqual(['UNAUTHENTICATED']);
    }
  });

  it('answers the fields in the order they were asked for, denied ones in their place', async () => {
    // Compared as JSON text: deep equality does not see the order of keys.
    const response = await sendRaw(platform.gatewayUrl, { query: `{ first: __typename me { id } last: __typename }` });
    expect(JSON.stringify(response.data)).toBe('{"first":"Query","me":null,"last":"Query"}');
    // Below the root too: SystemStatus.services is for admins.
    const nested = await sendRaw(platform.gatewayUrl, { query: '{ status { services { name } healthy } }' }, alice.accessToken);
    expect(codes(nested)).toEqual(['FORBIDDEN']);
    expect(Object.keys((nested.data as { status: object }).status)).toEqual(['services', 'healthy']);
  });

  it('keeps a field aliased `__proto__` in the answer when another field is denied, as when none is', async () => {
    // Compared as JSON text: `__proto__` is an own key of the parsed answer, which object literals cannot write.
    const cases = [
      { query: '{ __proto__: __typename me { id } }', token: undefined, data: '{"__proto__":"Query","me":null}' },
      { query: '{ __proto__: me { id } }', token: undefined, data: '{"__proto__":null}' },
      { query: '{ status { __proto__: services { name } __typename } }', token: alice.accessToken, data: '{"status":{"__proto__":null,"__typename":"SystemStatus"}}' },
    ];
    for (const { query, token, data } of cases) {
      const response = await sendRaw(platform.gatewayUrl, { query }, token);
      expect({ query, data: JSON.stringify(response.data) }).toEqual({ query, data });
      expect(codes(response)).toHaveLength(1);
    }
  });

  it('answers a request whose every field is denied like one where some are: nulls, each error at its path, status 200', async () => {
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      const response = await sendRaw(platform.gatewayUrl, { query: '{ everyone: accounts { totalCount } me { username } }' }, undefined, { accept });
      expect(response.status).toBe(200);
      // accounts is non-null: its null reaches the root.
      expect(response.data).toBeNull();
      expect(response.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([
        [['everyone'], 'UNAUTHENTICATED'],
        [['me'], 'UNAUTHENTICATED'],
      ]);
    }
    const forbidden = await sendRaw(platform.gatewayUrl, { query: '{ everyone: accounts { totalCount } }' }, alice.accessToken);
    expect(forbidden.status).toBe(200);
    expect(forbidden.data).toBeNull();
    expect(forbidden.errors).toEqual([expect.objectContaining({ path: ['everyone'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
  });

  it('nulls a forbidden field with FORBIDDEN at its path and still answers the rest', async () => {
    const response = await sendRaw(
      platform.gatewayUrl,
      { query: '{ me { username } everyone: accounts { totalCount } }' },
      alice.accessToken,
    );
    // accounts is non-null, so its null bubbles to the root as GraphQL requires.
    expect(response.data).toBeNull();
    expect(response.errors).toEqual([expect.objectContaining({ path: ['everyone'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);

    const nullable = await sendRaw(platform.gatewayUrl, { query: `{ me { username } other: account(id: "${bob.accountId}") { username } }` }, alice.accessToken);
    expect(nullable.data).toEqual({ me: { username: 'alice' }, other: null });
    expect(codes(nullable)).toEqual(['FORBIDDEN']);
  });

  it('runs no mutation field after a denied one, as GraphQL runs no field after a failed non-null one', async () => {
    const response = await sendRaw(
      platform.gatewayUrl,
      { query: `mutation { setRoles(accountId: "${alice.accountId}", roles: [ADMIN]) { id } updateAccount(input: { firstName: "AfterDenied" }) { firstName } }` },
      alice.accessToken,
    );
    expect(response.data).toBeNull();
    expect(response.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([[['setRoles'], 'FORBIDDEN']]);
    // The update after it never ran (it ran, and its answer was lost with `data`).
    expect((await send(platform.gatewayUrl, MeDocument, {}, alice.accessToken)).data!.me!.firstName).not.toBe('AfterDenied');
  });

  it('answers a denied field next to skipped fields and introspection that use fragment spreads', async () => {
    const query = `
      query ($hide: Boolean = true) {
        __type(name: "Account") { ...TypeName }
        me { ...Profile }
        hidden: account(id: "${bob.accountId}") @skip(if: $hide) { ...Profile }
        excluded: accounts @include(if: false) { nodes { ...Profile } }
      }
      fragment TypeName on __Type { name }
      fragment Profile on Account { username }
    `;
    const anonymous = await sendRaw(platform.gatewayUrl, { query });
    expect(anonymous.status).toBe(200);
    expect(anonymous.data).toEqual({ __type: { name: 'Account' }, me: null });
    expect(anonymous.errors).toEqual([expect.objectContaining({ path: ['me'], extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })]);

    const signedIn = await sendRaw(platform.gatewayUrl, { query: query.replace('me { ...Profile }', 'me { ...Profile email } everyone: accounts { totalCount }') }, alice.accessToken);
    expect(signedIn.status).toBe(200);
    // accounts is non-null, so its null bubbles to the root as GraphQL requires.
    expect(signedIn.data).toBeNull();
    expect(signedIn.errors).toEqual([expect.objectContaining({ path: ['everyone'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
  });

  it('decides the same document anew for each role set and each @skip value (decisions are remembered per both)', async () => {
    const query = `query Other($id: ID!, $hide: Boolean!) { me { username } other: account(id: $id) @skip(if: $hide) { username } }`;
    const ask = (token: string | undefined, hide: boolean) => sendRaw(platform.gatewayUrl, { query, variables: { id: bob.accountId, hide } }, token);
    for (let round = 0; round < 2; round += 1) {
      expect((await ask(admin.accessToken, false)).data).toEqual({ me: { username: 'admin' }, other: { username: 'bob' } });
      const forbidden = await ask(alice.accessToken, false);
      expect(forbidden.data).toEqual({ me: { username: 'alice' }, other: null });
      expect(codes(forbidden)).toEqual(['FORBIDDEN']);
      const skipped = await ask(alice.accessToken, true);
      expect(skipped.data).toEqual({ me: { username: 'alice' } });
      expect(codes(skipped)).toEqual([]);
      expect(codes(await ask(undefined, true))).toEqual(['UNAUTHENTICATED']);
    }
  });

  it('reads @skip and @include from the document however they are spelled, so a remembered decision never lets a denied field through', async () => {
    // GraphQL ignores whitespace, commas and comments between `@` and the directive's name.
    const spellings = ['@ skip(if: $hide)', '@#note\nskip(if: $hide)', '@,include(if: $show)', '@\ninclude(if: $show)'];
    for (const [index, directive] of spellings.entries()) {
      for (const skippedFirst of [true, false]) {
        const flag = directive.includes('$show') ? 'show' : 'hide';
        // SystemStatus.services is for admins: the gateway itself denies it to alice.
        const query = `query Spelled${index}${skippedFirst}($${flag}: Boolean!) { me { username } status { healthy services ${directive} { name } } }`;
        const ask = (hidden: boolean) => sendRaw<{ status: { services?: unknown } }>(platform.gatewayUrl, { query, variables: { [flag]: flag === 'hide' ? hidden : !hidden } }, alice.accessToken);
        // Whichever is asked first is remembered; the other must still be decided on its own variables.
        const [skipped, shown] = skippedFirst ? [await ask(true), await ask(false)] : [await ask(false), await ask(true)].reverse();
        expect(skipped!.data).toEqual({ me: { username: 'alice' }, status: { healthy: expect.any(Boolean) } });
        expect(codes(skipped!)).toEqual([]);
        expect(shown!.data).toEqual({ me: { username: 'alice' }, status: { healthy: expect.any(Boolean), services: null } });
        // The gateway's own denial (the field was never fetched), not the status subgraph's refusal.
        expect(shown!.errors).toEqual([expect.objectContaining({ path: ['status', 'services'], message: expect.stringMatching(/requires one of the roles/), extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
      }
    }
  });

  it('lets admins list accounts a page at a time, with filters', async () => {
    const first = await send(platform.gatewayUrl, AccountsDocument, { first: 2 }, admin.accessToken);
    expect(first.errors).toBeUndefined();
    expect(first.data?.accounts.totalCount).toBe(3);
    expect(first.data?.accounts.edges).toHaveLength(2);
    expect(first.data?.accounts.pageInfo.hasNextPage).toBe(true);
    const rest = await send(platform.gatewayUrl, AccountsDocument, { first: 2, after: first.data!.accounts.pageInfo.endCursor }, admin.accessToken);
    expect(rest.data?.accounts.edges).toHaveLength(1);
    expect(rest.data?.accounts.pageInfo.hasNextPage).toBe(false);
    const seen = [...first.data!.accounts.edges, ...rest.data!.accounts.edges].map((edge) => edge.node.username);
    expect(new Set(seen)).toEqual(new Set(['admin', 'alice', 'bob']));
    // Relay's whole PageInfo: a page after a cursor has items before it; startCursor is its first edge's.
    const relay = `query ($after: String) { accounts(first: 2, after: $after) { edges { cursor } pageInfo { hasPreviousPage hasNextPage startCursor endCursor } } }`;
    type RelayPage = { accounts: { edges: { cursor: string }[]; pageInfo: { hasPreviousPage: boolean; hasNextPage: boolean; startCursor: string | null; endCursor: string | null } } };
    for (const after of [null, first.data!.accounts.pageInfo.endCursor]) {
      const page = (await sendRaw<RelayPage>(platform.gatewayUrl, { query: relay, variables: { after } }, admin.accessToken)).data!.accounts;
      expect(page.pageInfo).toEqual({ hasPreviousPage: after !== null, hasNextPage: after === null, startCursor: page.edges[0]!.cursor, endCursor: page.edges.at(-1)!.cursor });
    }
    const nodes = await sendRaw<{ accounts: { nodes: { username: string }[] } }>(platform.gatewayUrl, { query: '{ accounts(first: 2) { nodes { username } } }' }, admin.accessToken);
    expect(nodes.data?.accounts.nodes.map((node) => node.username)).toEqual(first.data!.accounts.edges.map((edge) => edge.node.username));
    const filtered = await send(platform.gatewayUrl, AccountsDocument, { filter: { search: 'ALI' } }, admin.accessToken);
    expect(filtered.data?.accounts.edges.map((edge) => edge.node.username)).toEqual(['alice']);
    // Each word of a search is found in some field: a username and a last name, not one text holding both.
    const byWords = await send(platform.gatewayUrl, AccountsDocument, { filter: { search: ' ali  USER ' } }, admin.accessToken);
    expect(byWords.data?.accounts.edges.map((edge) => edge.node.username)).toEqual(['alice']);
    expect(byWords.data?.accounts.totalCount).toBe(1);
    const noneHasBoth = await send(platform.gatewayUrl, AccountsDocument, { filter: { search: 'alice bob' } }, admin.accessToken);
    expect(noneHasBoth.data?.accounts.totalCount).toBe(0);
    // A word repeated counts once; more than eight different words are refused, not searched for.
    const repeated = await send(platform.gatewayUrl, AccountsDocument, { filter: { search: 'ali ALI ali user User' } }, admin.accessToken);
    expect(repeated.data?.accounts.edges.map((edge) => edge.node.username)).toEqual(['alice']);
    const tooMany = await send(platform.gatewayUrl, AccountsDocument, { filter: { search: 'a b c d e f g h i' } }, admin.accessToken);
    expect(tooMany.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'search']]);
    const badCursor = await send(platform.gatewayUrl, AccountsDocument, { after: 'nonsense' }, admin.accessToken);
    expect(codes(badCursor)).toEqual(['BAD_USER_INPUT']);
    // A page size out of range is refused, not clamped.
    for (const size of [0, -1, 101]) {
      const outOfRange = await send(platform.gatewayUrl, AccountsDocument, { first: size }, admin.accessToken);
      expect(outOfRange.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'first']]);
    }
  });

  it('grants new roles with setRoles; they reach the next token', async () => {
    const denied = await send(platform.gatewayUrl, SetRolesDocument, { accountId: bob.accountId, roles: ['ADMIN'] }, alice.accessToken);
    expect(codes(denied)).toEqual(['FORBIDDEN']);
    const granted = await send(platform.gatewayUrl, SetRolesDocument, { accountId: bob.accountId, roles: ['USER', 'ANALYST'] }, admin.accessToken);
    expect(granted.data?.setRoles.roles).toEqual(['USER', 'ANALYST']);
    const refreshed = await send(platform.gatewayUrl, RefreshTokenDocument, { token: bob.refreshToken });
    const me = await send(platform.gatewayUrl, MeDocument, {}, refreshed.data!.refreshToken.accessToken);
    expect(me.data?.me?.roles).toEqual(['USER', 'ANALYST']);
    const unknown = await send(platform.gatewayUrl, SetRolesDocument, { accountId: randomUUID(), roles: ['USER'] }, admin.accessToken);
    expect(codes(unknown)).toEqual(['NOT_FOUND']);
    // No roles at all would leave an account that may read nothing, not even `me`.
    const none = await send(platform.gatewayUrl, SetRolesDocument, { accountId: bob.accountId, roles: [] }, admin.accessToken);
    expect(none.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'roles']]);
  });

  it('refuses a cursor naming a time PostgreSQL cannot hold, as any bad cursor', async () => {
    for (const time of ['+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z', '0000-01-01T00:00:00.000Z']) {
      const after = Buffer.from(JSON.stringify(['accounts', time, randomUUID()])).toString('base64url');
      const page = await send(platform.gatewayUrl, AccountsDocument, { after }, admin.accessToken);
      expect({ time, errors: page.errors?.map((error) => [error.extensions?.code, error.extensions?.field]) }).toEqual({ time, errors: [['BAD_USER_INPUT', 'after']] });
    }
  });

  it("lists an account auth has not heard of yet with no roles, rather than nulling the page", async () => {
    // Auth learns of accounts from account's events; until one arrives, its fields of that account are empty.
    const stranger = randomUUID();
    const signer = platform.internalTokenSigner();
    const answer = await sendRaw(platform.auth.url, { query: `{ _entities(representations: [{ __typename: "Account", id: "${stranger}" }]) { ... on Account { id roles lastLoginAt } } }` }, undefined, {
      [INTERNAL_TOKEN_HEADER]: signer.sign({ accountId: randomUUID(), roles: ['USER', 'ADMIN'] }, 'auth'),
    });
    expect(answer.data).toEqual({ _entities: [{ id: stranger, roles: [], lastLoginAt: null }] });
  });
});

describe('text with a NUL character', () => {
  it('is refused as bad input, in variables and in the document, before any store sees it', async () => {
    const login = await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: 'a\u0000b', password: 'whatever-passphrase' });
    expect(login.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'usernameOrEmail']]);
    const search = await sendRaw(platform.gatewayUrl, { query: 'query ($filter: AccountFilter) { accounts(filter: $filter) { totalCount } }', variables: { filter: { search: 'x\u0000' } } }, admin.accessToken);
    expect(search.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'search']]);
    const literal = await sendRaw(platform.gatewayUrl, { query: '{ accounts(filter: { search: "x\\u0000" }) { totalCount } }' }, admin.accessToken);
    expect(literal.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'search']]);
    expect(literal.errors?.[0]?.message).toMatch(/NUL/);
  });
});

describe('text with an unpaired surrogate (half of a UTF-16 pair)', () => {
  it('is refused as bad input: stored as UTF-8 it became U+FFFD, so two passwords differing there were one', async () => {
    const login = await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: 'alice', password: `${alice.password}\ud800` });
    expect(login.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'password']]);
    const search = await sendRaw(platform.gatewayUrl, { query: 'query ($filter: AccountFilter) { accounts(filter: $filter) { totalCount } }', variables: { filter: { search: 'x\udfff' } } }, admin.accessToken);
    expect(search.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'search']]);
    const literal = await sendRaw(platform.gatewayUrl, { query: 'mutation { updateAccount(input: { lastName: "Liddell\\udfff" }) { lastName } }' }, alice.accessToken);
    // Written in the document, graphql-js's parser refuses it.
    expect(codes(literal)).toEqual(['GRAPHQL_PARSE_FAILED']);
    // A pair is one character (here U+20000, a CJK ideograph), and is kept as written.
    const paired = await send(platform.gatewayUrl, UpdateAccountDocument, { input: { lastName: 'Liddell \ud840\udc00' } }, alice.accessToken);
    expect(paired.data?.updateAccount.lastName ?? codes(paired)).toBe('Liddell \ud840\udc00');
  });
});

describe('ownership in the subgraphs', () => {
  it('lets a user read and update only their own account', async () => {
    expect((await send(platform.gatewayUrl, AccountDocument, { id: alice.accountId }, alice.accessToken)).data?.account?.username).toBe('alice');
    expect(codes(await send(platform.gatewayUrl, AccountDocument, { id: bob.accountId }, alice.accessToken))).toEqual(['FORBIDDEN']);
    const own = await send(platform.gatewayUrl, UpdateAccountDocument, { id: alice.accountId, input: { firstName: 'Alicia' } }, alice.accessToken);
    expect(own.data?.updateAccount.firstName).toBe('Alicia');
    const other = await send(platform.gatewayUrl, UpdateAccountDocument, { id: bob.accountId, input: { firstName: 'Mallory' } }, alice.accessToken);
    expect(codes(other)).toEqual(['FORBIDDEN']);
    const taken = await send(platform.gatewayUrl, UpdateAccountDocument, { id: alice.accountId, input: { username: 'bob' } }, alice.accessToken);
    expect(codes(taken)).toEqual(['CONFLICT']);
    const withoutId = await send(platform.gatewayUrl, UpdateAccountDocument, { input: { lastName: 'Liddell' } }, alice.accessToken);
    expect(withoutId.data?.updateAccount).toMatchObject({ id: alice.accountId, lastName: 'Liddell' });
  });

  it('lets admins read any account and answers NOT_FOUND for unknown ids', async () => {
    expect((await send(platform.gatewayUrl, AccountDocument, { id: bob.accountId }, admin.accessToken)).data?.account?.email).toBe('bob@example.com');
    expect(codes(await send(platform.gatewayUrl, AccountDocument, { id: randomUUID() }, admin.accessToken))).toEqual(['NOT_FOUND']);
    expect(codes(await send(platform.gatewayUrl, AccountDocument, { id: 'not-a-uuid' }, admin.accessToken))).toEqual(['NOT_FOUND']);
  });
});

describe('roles set by several admins at once', () => {
  it('are announced in the order they were made: the last event on the bus is the roles auth keeps', async () => {
    const target = await signUp(platform);
    const bus = new pg.Client({ connectionString: platform.auth.runtime.config.busUrl });
    await bus.connect();
    try {
      for (let round = 0; round < 3; round += 1) {
        const sets: Role[][] = Array.from({ length: 12 }, (_, i) => (i % 2 ? ['USER', 'ADMIN'] : ['USER', 'ANALYST']));
        const answers = await Promise.all(sets.map((roles) => send(platform.gatewayUrl, SetRolesDocument, { accountId: target.accountId, roles }, admin.accessToken)));
        expect(answers.flatMap(codes)).toEqual([]);
        await platform.auth.runtime.relayEvents();
        const [kept] = await platform.auth.runtime.orm.em.fork().execute<{ roles: string[] }[]>('SELECT roles FROM credentials WHERE account_id = ?', [target.accountId]);
        const { rows } = await bus.query<{ roles: string[] }>("SELECT payload->'roles' AS roles FROM bus_events WHERE type = 'auth.roles-changed' AND payload->>'accountId' = $1 ORDER BY position DESC LIMIT 1", [target.accountId]);
        expect({ round, announced: [...rows[0]!.roles].sort() }).toEqual({ round, announced: [...kept!.roles].sort() });
      }
    } finally {
      await bus.end();
    }
  });
});

describe('deactivation and deletion', () => {
  it('a deactivated account can no longer sign in or refresh', async () => {
    const carol = await signUp(platform, 'carol');
    const deactivated = await send(platform.gatewayUrl, DeactivateAccountDocument, { id: carol.accountId }, admin.accessToken);
    expect(deactivated.data?.deactivateAccount.status).toBe('DEACTIVATED');
    await eventually(async () => {
      const login = await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: 'carol', password: carol.password });
      return codes(login)[0] === 'UNAUTHENTICATED';
    });
    expect(codes(await send(platform.gatewayUrl, RefreshTokenDocument, { token: carol.refreshToken }))).toEqual(['UNAUTHENTICATED']);
  });

  it('an admin reactivates a deactivated account: its owner signs in again, its old sessions stay ended', async () => {
    const erin = await signUp(platform, 'erin');
    expect((await send(platform.gatewayUrl, DeactivateAccountDocument, { id: erin.accountId }, admin.accessToken)).data?.deactivateAccount.status).toBe('DEACTIVATED');
    expect(codes(await send(platform.gatewayUrl, ReactivateAccountDocument, { id: erin.accountId }, alice.accessToken))).toEqual(['FORBIDDEN']);
    const reactivated = await send(platform.gatewayUrl, ReactivateAccountDocument, { id: erin.accountId.toUpperCase() }, admin.accessToken);
    expect(reactivated.data?.reactivateAccount).toEqual({ id: erin.accountId, status: 'ACTIVE' });
    await eventually(async () => !codes(await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: 'erin', password: erin.password })).length);
    expect(codes(await send(platform.gatewayUrl, RefreshTokenDocument, { token: erin.refreshToken }))).toEqual(['UNAUTHENTICATED']);
    // Reactivating an active account changes nothing; one that never confirmed its address is not deactivated.
    expect((await send(platform.gatewayUrl, ReactivateAccountDocument, { id: erin.accountId }, admin.accessToken)).data?.reactivateAccount.status).toBe('ACTIVE');
    await send(platform.gatewayUrl, RegisterDocument, { input: { username: 'frank', email: 'frank@example.com', firstName: 'Frank', lastName: 'Pending' } });
    // Registration happens after the answer (its timing tells nothing).
    let frankId = '';
    await eventually(async () => {
      frankId = (await send(platform.gatewayUrl, AccountsDocument, { filter: { search: 'frank' } }, admin.accessToken)).data?.accounts.edges[0]?.node.id ?? '';
      return frankId !== '';
    });
    expect(codes(await send(platform.gatewayUrl, ReactivateAccountDocument, { id: frankId }, admin.accessToken))).toEqual(['CONFLICT']);
    expect(codes(await send(platform.gatewayUrl, ReactivateAccountDocument, { id: 'not-an-id' }, admin.accessToken))).toEqual(['NOT_FOUND']);
  });

  it('deleteAccount removes the profile and the credentials', async () => {
    const dave = await signUp(platform, 'dave');
    expect(codes(await send(platform.gatewayUrl, DeleteAccountDocument, { id: dave.accountId }, alice.accessToken))).toEqual(['FORBIDDEN']);
    expect((await send(platform.gatewayUrl, DeleteAccountDocument, { id: dave.accountId }, admin.accessToken)).data?.deleteAccount).toBe(true);
    expect(codes(await send(platform.gatewayUrl, AccountDocument, { id: dave.accountId }, admin.accessToken))).toEqual(['NOT_FOUND']);
    await eventually(async () => {
      const login = await send(platform.gatewayUrl, LoginDocument, { usernameOrEmail: 'dave', password: dave.password });
      return codes(login)[0] === 'UNAUTHENTICATED';
    });
    expect(codes(await send(platform.gatewayUrl, DeleteAccountDocument, { id: dave.accountId }, admin.accessToken))).toEqual(['NOT_FOUND']);
  });
});

describe('subgraphs accept only the gateway', () => {
  const meQuery = { query: '{ me { id username } }' };

  it('refuses a direct call without the internal token', async () => {
    const response = await sendRaw(platform.account.url, meQuery);
    expect(response.status).toBe(401);
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
  });

  it("refuses a user's own access token presented as the internal token", async () => {
    const response = await sendRaw(platform.account.url, meQuery, alice.accessToken, { [INTERNAL_TOKEN_HEADER]: alice.accessToken });
    expect(response.status).toBe(401);
  });

  it('refuses an internal token forged with another key, or addressed to another subgraph', async () => {
    const forger = new InternalTokenSigner(signingKeyFrom(createPrivateKey(generateKeyPem())));
    const forged = await sendRaw(platform.account.url, meQuery, undefined, {
      [INTERNAL_TOKEN_HEADER]: forger.sign({ accountId: alice.accountId, roles: ['ADMIN'] }, 'account'),
    });
    expect(forged.status).toBe(401);
    const unsigned = jwt.sign({ sub: alice.accountId, roles: ['ADMIN'] }, 'secret', { audience: 'account', issuer: 'herck-gateway' });
    expect((await sendRaw(platform.account.url, meQuery, undefined, { [INTERNAL_TOKEN_HEADER]: unsigned })).status).toBe(401);
    expect((await sendRaw(platform.account.url, meQuery, undefined, { 'x-user-id': alice.accountId })).status).toBe(401);
    // A header that says JWT over a payload that is no JSON made jsonwebtoken throw: a 500, not a refusal.
    const gatewayKid = signingKeyFrom(createPrivateKey(fs.readFileSync(path.join(platform.env.HERCK_DATA_DIR!, 'keys', 'internal-token.pem'), 'utf8'))).kid;
    const unreadable = [JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: gatewayKid }), 'not json', 'signature'].map((part) => Buffer.from(part).toString('base64url')).join('.');
    const refused = await sendRaw(platform.account.url, meQuery, undefined, { [INTERNAL_TOKEN_HEADER]: unreadable });
    expect([refused.status, codes(refused)]).toEqual([401, ['UNAUTHENTICATED']]);

    const gatewayKey = createPrivateKey(fs.readFileSync(path.join(platform.env.HERCK_DATA_DIR!, 'keys', 'internal-token.pem'), 'utf8'));
    const genuine = new InternalTokenSigner(signingKeyFrom(gatewayKey));
    const forAuth = genuine.sign({ accountId: alice.accountId, roles: ['USER'] }, 'auth');
    expect((await sendRaw(platform.account.url, meQuery, undefined, { [INTERNAL_TOKEN_HEADER]: forAuth })).status).toBe(401);
    const forAccount = genuine.sign({ accountId: alice.accountId, roles: ['USER'] }, 'account');
    const accepted = await sendRaw<{ me: { username: string } }>(platform.account.url, meQuery, undefined, { [INTERNAL_TOKEN_HEADER]: forAccount });
    expect(accepted.data?.me.username).toBe('alice');
  });

  it("answers another account's roles to its owner and admins only, also when asked for the entity directly", async () => {
    const signer = platform.internalTokenSigner();
    const rolesOf = (accountId: string, caller: { accountId: string; roles: Role[] }) =>
      sendRaw<{ _entities: ({ roles: string[] } | null)[] }>(
        platform.auth.url,
        { query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Account { roles } } }', variables: { r: [{ __typename: 'Account', id: accountId }] } },
        undefined,
        { [INTERNAL_TOKEN_HEADER]: signer.sign(caller, 'auth') },
      );
    expect(codes(await rolesOf(bob.accountId, { accountId: alice.accountId, roles: ['USER'] }))).toEqual(['FORBIDDEN']);
    expect((await rolesOf(alice.accountId, { accountId: alice.accountId.toUpperCase(), roles: ['USER'] })).data?._entities).toEqual([{ roles: ['USER'] }]);
    expect((await rolesOf(bob.accountId, { accountId: firstAdminAccountId(ADMIN_EMAIL), roles: ['USER', 'ADMIN'] })).data?._entities).toEqual([{ roles: expect.arrayContaining(['USER']) }]);
  });
});
