import { generateKeyPairSync, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { getIntrospectionQuery } from 'graphql';
import path from 'node:path';
import { codes, sendRaw } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { ADMIN_PASSWORD, adminEnv, logIn, signUp } from './support/users';

const ADMIN_EMAIL = 'limits-admin@example.com';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform(adminEnv(ADMIN_EMAIL));
});
afterAll(() => platform?.stop());

describe('operation limits', () => {
  it('rejects too many aliases, too many directives and too many tokens before running anything', async () => {
    const aliases = `{ me { ${Array.from({ length: 20 }, (_, i) => `a${i}: username`).join(' ')} } }`;
    const directives = `{ __typename ${'@include(if: true) '.repeat(60)}}`;
    const tokens = `{ ${'__typename '.repeat(2100)}}`;
    for (const query of [aliases, directives, tokens]) {
      const response = await sendRaw(platform.gatewayUrl, { query });
      expect(response.data ?? null).toBeNull();
      expect(response.errors?.length).toBeGreaterThan(0);
    }
  });

  it('lets exactly MAX_DEPTH levels of fields through, and refuses one more', async () => {
    const user = await signUp(platform);
    const refusal = async (query: string) => JSON.stringify((await sendRaw(platform.gatewayUrl, { query }, user.accessToken)).errors ?? []).match(/depth limit of \d+ exceeded, found \d+/i)?.[0] ?? null;
    // The default, 10 levels: the tenth field here is `price`, or `global` with an eleventh below it.
    const levels = (last: string) => `{ me { orders(first: 1) { nodes { asset { latestTick { global { ticks { asset { latestTick { ${last} } } } } } } } } } }`;
    expect(await refusal(levels('price'))).toBeNull();
    expect(await refusal(levels('global { btcDominance }'))).toBe('depth limit of 10 exceeded, found 11');
  });

  it('answers an overloaded document with one error naming the limit, before validation piles up its own', async () => {
    const accept = { accept: 'application/graphql-response+json' };
    const overloaded = [
      { query: `{ __typename ${'@aa '.repeat(100)}}`, code: 'GRAPHQL_VALIDATION_FAILED', message: /^Directives limit of 50 exceeded, found 100\.$/ },
      { query: `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: nope`).join(' ')} }`, code: 'GRAPHQL_VALIDATION_FAILED', message: /^Aliases limit of 15 exceeded, found 20\.$/ },
      { query: `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: __typename`).join(' ')} }`, code: 'GRAPHQL_VALIDATION_FAILED', message: /^Aliases limit of 15 exceeded, found 200\.$/ },
      // The parser itself stops counting at the limit: the document never parses.
      { query: `{ ${'nope '.repeat(2100)}}`, code: 'GRAPHQL_PARSE_FAILED', message: /2000 tokens/ },
    ];
    for (const { query, code, message } of overloaded) {
      const response = await sendRaw(platform.gatewayUrl, { query }, undefined, accept);
      expect({ status: response.status, codes: codes(response) }).toEqual({ status: 400, codes: [code] });
      expect(response.errors?.[0]?.message).toMatch(message);
      expect(response).not.toHaveProperty('data');
    }
    // Directives count wherever they are written: a second spread of one fragment, a variable's definition, a fragment no operation uses.
    for (const query of [
      `query { ...F ...F ${'@aa '.repeat(100)}} fragment F on Query { __typename }`,
      `query ($v: Int ${'@aa '.repeat(100)}) { __typename }`,
      `query { __typename } fragment Unused on Query { __typename ${'@aa '.repeat(100)}}`,
    ]) {
      const response = await sendRaw(platform.gatewayUrl, { query }, undefined, accept);
      expect({ query, status: response.status, codes: codes(response) }).toEqual({ query, status: 400, codes: ['GRAPHQL_VALIDATION_FAILED'] });
      expect(response.errors?.[0]?.message).toMatch(/^Directives limit of 50 exceeded, found 10\d\.$/);
    }
    // A document within the limits still hears of each of its mistakes.
    expect(codes(await sendRaw(platform.gatewayUrl, { query: '{ nope nada }' }, undefined, accept))).toEqual(['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_VALIDATION_FAILED']);
  });

  it('rejects operations deeper than MAX_DEPTH and costlier than MAX_COST', async () => {
    const strict = await platform.startGateway({ MAX_DEPTH: '2', MAX_COST: '3' });
    const user = await signUp(platform);
    const deep = await sendRaw(strict.url, { query: '{ accounts { edges { node { id } } } }' }, user.accessToken);
    expect(deep.data ?? null).toBeNull();
    expect(JSON.stringify(deep.errors)).toMatch(/depth/i);
    const costly = await sendRaw(strict.url, { query: '{ me { id username email firstName lastName } }' }, user.accessToken);
    expect(JSON.stringify(costly.errors)).toMatch(/cost/i);
  });

  it('costs a list without first as twenty items, so lists of lists cannot answer megabytes for a few bytes', async () => {
    const user = await signUp(platform);
    // Each round's global figures list its ticks, each tick its round's figures: 160,000 ticks for 115 bytes.
    const cycle = '{ marketSnapshot { global { ticks { global { ticks { global { ticks { global { ticks { symbol } } } } } } } } } }';
    const refused = await sendRaw(platform.gatewayUrl, { query: cycle }, user.accessToken);
    expect([codes(refused), refused.errors?.[0]?.message]).toEqual([['GRAPHQL_VALIDATION_FAILED'], expect.stringMatching(/^Query Cost limit of 100000 exceeded/)]);
    // A round's ticks with their assets, and a connection's page (its nodes are its `first`), stay well within.
    for (const query of ['{ marketSnapshot { ticks { symbol price asset { name } global { btcDominance } } } }', '{ me { orders(first: 100) { nodes { id quantity asset { name } } } } }']) {
      const answer = await sendRaw(platform.gatewayUrl, { query }, user.accessToken);
      expect({ query, limited: JSON.stringify(answer.errors ?? []).includes('limit') }).toEqual({ query, limited: false });
    }
  });

  it('counts the depth of fields, not of the fragments they are written in', async () => {
    const user = await signUp(platform);
    // Ten levels of fields (the limit), written through two named fragments and an inline one.
    const query = `{ me { ...Orders } }
      fragment Orders on Account { orders(first: 1) { nodes { ...Order } } }
      fragment Order on Order { asset { ... on Asset { latestTick { global { ticks { asset { latestTick { price } } } } } } } }`;
    const answer = await sendRaw(platform.gatewayUrl, { query }, user.accessToken);
    // Valid and within every limit: it runs (this platform runs no orders subgraph: its fetch fails as for a stopped one).
    expect([answer.status, codes(answer)]).toEqual([200, ['SERVICE_UNAVAILABLE']]);
  });

  it('lets the largest page the API offers through the default cost limit, but not a page of pages', async () => {
    const user = await signUp(platform);
    const candle = 'symbol interval openTime closeTime open high low close volume tickCount closed';
    const page = (field: string, selection: string) => `${field} { edges { cursor node { ${selection} } } pageInfo { hasNextPage endCursor } }`;
    for (const query of [
      `{ ${page('candles(symbol: "BTC", interval: M1, first: 1000)', candle)} }`,
      `{ ${page('ticks(symbol: "BTC", first: 1000)', 'symbol price time source')} }`,
      `{ ${page('assets(first: 1000)', 'symbol name')} }`,
    ]) {
      // Past validation, limits included (this platform runs no market: the fetch itself fails, as for a stopped subgraph).
      const answer = await sendRaw(platform.gatewayUrl, { query }, user.accessToken);
      expect({ query, status: answer.status, codes: codes(answer) }).toEqual({ query, status: 200, codes: ['SERVICE_UNAVAILABLE'] });
    }
    const pageOfPages = await sendRaw(platform.gatewayUrl, { query: `{ ${page('assets(first: 1000)', `symbol ${page('candles(interval: M1, first: 1000)', candle)}`)} }` }, user.accessToken);
    expect(JSON.stringify(pageOfPages.errors)).toMatch(/cost/i);
  });

  it("costs a page given in a variable as the request asks for it, and a page left out as its list's default", async () => {
    const user = await signUp(platform);
    const query = 'query ($assets: Int, $candles: Int) { assets(first: $assets) { nodes { symbol candles(interval: M1, first: $candles) { nodes { open close } } } } }';
    for (const [accept, status] of [['application/graphql-response+json', 400], ['application/json', 200]] as const) {
      // A page of 1,000 pages, asked for in variables: refused as the same document written with literals is.
      const pageOfPages = await sendRaw(platform.gatewayUrl, { query, variables: { assets: 1000, candles: 1000 } }, user.accessToken, { accept });
      expect({ accept, status: pageOfPages.status, codes: codes(pageOfPages), data: pageOfPages.data }).toEqual({ accept, status, codes: ['GRAPHQL_VALIDATION_FAILED'], data: undefined });
      expect(pageOfPages.errors?.[0]?.message).toMatch(/^Query Cost limit of 100000 exceeded, found [\d.]+\.$/);
      // The lists' default pages (100 assets of 100 candles) are a page of pages too.
      const defaultPages = await sendRaw(platform.gatewayUrl, { query: '{ assets { nodes { candles(interval: M1) { nodes { open close } } } } }' }, user.accessToken, { accept });
      expect({ accept, status: defaultPages.status, codes: codes(defaultPages) }).toEqual({ accept, status, codes: ['GRAPHQL_VALIDATION_FAILED'] });
    }
    // Small pages in the same variables pass the limit (this platform runs no market: the fetch itself fails).
    const small = await sendRaw(platform.gatewayUrl, { query, variables: { assets: 3, candles: 10 } }, user.accessToken);
    expect([small.status, codes(small)]).toEqual([200, ['SERVICE_UNAVAILABLE']]);
    // Refused before it runs, as an invalid document is: not counted against the caller's rate limit.
    const remaining = async () => Number((await sendRaw(platform.gatewayUrl, { query: '{ me { id } }' }, user.accessToken)).headers.get('ratelimit-remaining'));
    const before = await remaining();
    await sendRaw(platform.gatewayUrl, { query, variables: { assets: 1000, candles: 1000 } }, user.accessToken);
    expect(await remaining()).toBe(before - 1);
  });

  it('leaves a page larger than any list gives to the subgraph: BAD_USER_INPUT on `first`, written in the document or in a variable', async () => {
    // The cost limit multiplied by the literal 100000 and refused the document as too costly.
    const admin = await logIn(platform, ADMIN_EMAIL, ADMIN_PASSWORD);
    for (const request of [
      { query: '{ accounts(first: 100000) { nodes { id username } } }' },
      { query: 'query ($first: Int) { accounts(first: $first) { nodes { id username } } }', variables: { first: 100000 } },
    ]) {
      const answer = await sendRaw(platform.gatewayUrl, request, admin.accessToken);
      expect(answer.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'first']]);
    }
  });

  it('refuses variable names beginning with "__" (`$__proto__` became an object\'s prototype on its way to the subgraph)', async () => {
    for (const query of ['query ($__proto__: Boolean = true) { __typename @include(if: $__proto__) }', 'query ($__x: Boolean = false) { __typename @skip(if: $__x) }']) {
      const response = await sendRaw(platform.gatewayUrl, { query }, undefined, { accept: 'application/graphql-response+json' });
      expect({ status: response.status, codes: codes(response) }).toEqual({ status: 400, codes: ['GRAPHQL_VALIDATION_FAILED'] });
      expect(response.errors?.[0]?.message).toMatch(/names beginning with "__" are reserved/);
    }
    // A name merely like an Object method is a variable like any other.
    const response = await sendRaw(platform.gatewayUrl, { query: 'query ($constructor: Boolean = true) { __typename @include(if: $constructor) }' });
    expect(response).toMatchObject({ status: 200, data: { __typename: 'Query' } });
  });

  it('refuses a variable nested thousands of levels deep (well within the body limit) as bad input, not a 500', async () => {
    const deep = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
    for (const [query, variables] of [
      ['mutation R($input: RegisterInput!) { register(input: $input) { message } }', `{"input":${deep}}`],
      ['mutation L($u: String!, $p: String!) { login(usernameOrEmail: $u, password: $p) { accessToken } }', `{"u":${deep},"p":"x"}`],
    ]) {
      const response = await sendRaw(platform.gatewayUrl, `{"query":${JSON.stringify(query)},"variables":${variables}}`);
      expect({ status: response.status, codes: codes(response) }).toEqual({ status: 200, codes: ['BAD_USER_INPUT'] });
      expect(response.errors?.[0]?.message).toMatch(/more than 64 levels deep/);
    }
  });

  it('refuses batched requests, mutations over GET, CSRF-prone GETs and oversized bodies', async () => {
    const batch = await sendRaw(platform.gatewayUrl, [{ query: '{ __typename }' }, { query: '{ __typename }' }]);
    expect(batch.status).toBe(400);

    const mutation = encodeURIComponent('mutation { logout(refreshToken: "x") }');
    const overGet = await fetch(`${platform.gatewayUrl}?query=${mutation}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(overGet.status).toBe(405);

    const simpleGet = await fetch(`${platform.gatewayUrl}?query=${encodeURIComponent('{ __typename }')}`);
    expect(simpleGet.status).toBe(400);

    const huge = await sendRaw(platform.gatewayUrl, { query: `{ __typename } # ${'x'.repeat(200_000)}` });
    expect(huge.status).toBe(413);
    expect(codes(huge)).toEqual(['BAD_REQUEST']);
  });
});

describe('health', () => {
  it('every process answers /healthz and /readyz', async () => {
    for (const graphqlUrl of [platform.gatewayUrl, platform.account.url, platform.auth.url]) {
      for (const route of ['/healthz', '/readyz']) {
        const response = await fetch(new URL(route, graphqlUrl));
        expect({ url: response.url, status: response.status }).toEqual({ url: new URL(route, graphqlUrl).toString(), status: 200 });
      }
    }
  });
});

describe('development mode', () => {
  it('serves Apollo Sandbox as the landing page, with introspection on', async () => {
    const page = await fetch(new URL('/', platform.gatewayUrl), { headers: { accept: 'text/html' } });
    expect(page.url).toBe(platform.gatewayUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/sandbox/i);
    // The full query Sandbox sends must get past the depth, token and cost limits.
    const introspection = await sendRaw<{ __schema: { queryType: { name: string }; types: unknown[] } }>(platform.gatewayUrl, {
      query: getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }),
    });
    expect(introspection.errors).toBeUndefined();
    expect(introspection.data?.__schema.queryType.name).toBe('Query');
    expect(introspection.data?.__schema.types.length).toBeGreaterThan(10);
  });

  it("allows Apollo Sandbox's origin through CORS", async () => {
    const preflight = await fetch(platform.gatewayUrl, {
      method: 'OPTIONS',
      headers: { origin: 'https://studio.apollographql.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://studio.apollographql.com');
    const stranger = await fetch(platform.gatewayUrl, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    // A browser script may read the rate-limit headers, the request's id and the token challenge, which are not CORS-safelisted.
    const answer = await fetch(platform.gatewayUrl, { method: 'POST', headers: { origin: 'https://studio.apollographql.com', 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(answer.headers.get('access-control-expose-headers')?.split(',').map((name) => name.trim().toLowerCase()).sort()).toEqual(['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after', 'www-authenticate', 'x-request-id']);
  });

  it('answers a refused access token with 401 and the Bearer challenge where the operation needs a sign-in, and runs a public one', async () => {
    // The second says JWT in its header and carries no JSON payload: jsonwebtoken throws decoding it (it was a 500).
    const unreadable = [JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: 'k' }), 'not json', 'signature'].map((part) => Buffer.from(part).toString('base64url')).join('.');
    const post = (token: string, query: string) => fetch(platform.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
    for (const token of ['not-a-token', unreadable]) {
      const refused = await post(token, '{ __typename me { id } }');
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      expect((await refused.json()) as object).toEqual({ errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })] });
      const publicOnly = await post(token, '{ __typename }');
      expect([publicOnly.status, publicOnly.headers.get('www-authenticate'), await publicOnly.json()]).toEqual([200, null, { data: { __typename: 'Query' } }]);
    }
  });
});

describe('production mode', () => {
  const productionEnv = () => ({
    NODE_ENV: 'production',
    INTERNAL_TOKEN_PRIVATE_KEY: fs.readFileSync(path.join(platform.env.HERCK_DATA_DIR!, 'keys', 'internal-token.pem'), 'utf8'),
  });

  it('turns introspection off, hides suggestions and stack traces', async () => {
    const production = await platform.startGateway(productionEnv());
    const introspection = await sendRaw(production.url, { query: '{ __schema { types { name } } }' });
    expect(introspection.data ?? null).toBeNull();
    // A plain sentence: not Apollo Server's advice to pass `introspection: true` to it.
    expect(introspection.errors).toEqual([{ message: 'Introspection is disabled on this server', locations: expect.any(Array), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }]);

    const typo = await sendRaw(production.url, { query: '{ mee { id } }' });
    expect(typo.errors?.length).toBeGreaterThan(0);
    expect(JSON.stringify(typo.errors)).not.toMatch(/Did you mean/);
    expect(JSON.stringify(typo.errors)).not.toMatch(/stacktrace|\.ts:|\.js:/);
  });

  it('relays no stack trace from a subgraph running in development mode', async () => {
    const production = await platform.startGateway(productionEnv());
    const user = await signUp(platform);
    // Raised by the account subgraph (a user may read only their own account), which runs in development mode here.
    const query = { query: `{ account(id: "${randomUUID()}") { id } }` };
    const development = await sendRaw(platform.gatewayUrl, query, user.accessToken);
    expect(codes(development)).toEqual(['FORBIDDEN']);
    expect(development.errors?.[0]?.extensions?.stacktrace).toEqual(expect.any(Array));

    const relayed = await sendRaw(production.url, query, user.accessToken);
    expect(relayed.status).toBe(200);
    expect(codes(relayed)).toEqual(['FORBIDDEN']);
    // Nor which subgraph answered: only the stable code.
    expect(relayed.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN' });
    expect(JSON.stringify(relayed.errors)).not.toMatch(/stacktrace|exception|\.ts:|\.js:/);
  });

  it("serves a plain landing page that loads no script (Apollo's load theirs from Apollo's CDN)", async () => {
    const production = await platform.startGateway(productionEnv());
    for (const route of ['/graphql', '/']) {
      const page = await fetch(new URL(route, production.url), { headers: { accept: 'text/html' } });
      const html = await page.text();
      expect(html).not.toMatch(/apollographql\.com|<script/i);
      expect({ status: page.status, type: page.headers.get('content-type'), title: /<title>(.*)<\/title>/.exec(html)?.[1] }).toEqual({ status: 200, type: expect.stringContaining('text/html'), title: 'Herck GraphQL API' });
    }
  });

  it('can turn introspection on when configured', async () => {
    const production = await platform.startGateway({ ...productionEnv(), INTROSPECTION: 'true' });
    const introspection = await sendRaw<{ __schema: { queryType: { name: string } } }>(production.url, { query: '{ __schema { queryType { name } } }' });
    expect(introspection.data?.__schema.queryType.name).toBe('Query');
  });

  it('answers for a subgraph it cannot reach with a stable code and no internal detail', async () => {
    const broken = await platform.startGateway({ ...productionEnv(), AUTH_URL: 'http://127.0.0.1:1/graphql' });
    const response = await sendRaw(broken.url, { query: 'mutation { login(usernameOrEmail: "a", password: "b") { accessToken } }' });
    expect(codes(response)).toEqual(['SERVICE_UNAVAILABLE']);
    // At the root field the failed fetch would have filled.
    expect(response.errors?.[0]?.path).toEqual(['login']);
    expect(JSON.stringify(response.errors)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/i);
  });

  it("masks subgraphs refusing the gateway's own internal token: neither the caller's fault nor their business", async () => {
    // A key the subgraphs do not trust: a rotation not rolled out everywhere, say.
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const misconfigured = await platform.startGateway({ NODE_ENV: 'production', INTERNAL_TOKEN_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
    // Anonymous, and answered by the account subgraph, which this platform runs (it runs no market).
    const response = await sendRaw(misconfigured.url, { query: 'mutation { requestPasswordReset(email: "someone@example.com") { message } }' });
    expect(response.errors).toEqual([expect.objectContaining({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } })]);
    expect(JSON.stringify(response.errors)).not.toMatch(/127\.0\.0\.1|401|gateway only/i);
  });

  it('puts the error of a subgraph it cannot reach at the path of each field it would have filled, each such field null', async () => {
    const broken = await platform.startGateway({ ...productionEnv(), ORDERS_URL: 'http://127.0.0.1:1/graphql' });
    const unavailable = (path: (string | number)[]) => ({ message: 'The orders service is unavailable; try again shortly', path, extensions: { code: 'SERVICE_UNAVAILABLE' } });
    // `me` comes from account, its `orders` (non-null) from orders: that entity fetch fails, and its null reaches `me`.
    const user = await signUp(platform);
    const own = await sendRaw(broken.url, { query: '{ me { id orders(first: 1) { totalCount } } }' }, user.accessToken);
    expect({ status: own.status, data: own.data, errors: own.errors }).toEqual({ status: 200, data: { me: null }, errors: [unavailable(['me', 'orders'])] });
    // One fetch for a list of entities: an error at each entity's field (their nulls reach the root through non-null fields).
    const admin = await logIn(platform, ADMIN_EMAIL, ADMIN_PASSWORD);
    const listed = await sendRaw(broken.url, { query: '{ accounts(first: 2) { nodes { id orders(first: 1) { totalCount } } } }' }, admin.accessToken);
    expect({ data: listed.data, errors: listed.errors }).toEqual({ data: null, errors: [unavailable(['accounts', 'nodes', 0, 'orders']), unavailable(['accounts', 'nodes', 1, 'orders'])] });
  });

  it('refuses to start without its keys, naming the variable', async () => {
    await expect(platform.startGateway({ NODE_ENV: 'production' })).rejects.toThrow(/INTERNAL_TOKEN_PRIVATE_KEY/);
  });
});
