import { createPublicKey, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import WebSocket from 'ws';
import { Logger } from '@herck/common';
import { ReplayServer } from '../../subgraphs/market/test/providers/replay-server';
import { codes, sendRaw } from './support/graphql-client';
import { TestPlatform, startTestPlatform } from './support/platform';
import { startRecordedProviders } from './support/recorded-providers';
import { adminEnv, eventually, logInAdmin, signUp, SignedUpUser } from './support/users';

/**
 * An attacker's audit of the public entry point (the gateway, over HTTP and graphql-ws): each probe
 * here is one no other test makes. One platform with every subgraph that holds a user's data.
 */
let providers: ReplayServer;
let platform: TestPlatform;
/** The gateways' log lines, as shipped (JSON text). */
const gatewayLog: string[] = [];
let alice: SignedUpUser;
let bob: SignedUpUser;

beforeAll(async () => {
  const recorded = await startRecordedProviders();
  providers = recorded.server;
  // Many operations from few users: the per-account budgets have tests of their own.
  platform = await startTestPlatform(
    { ...adminEnv('attacker-audit-admin@example.com'), ...recorded.env, RATE_LIMIT_USER_PER_MINUTE: '0', PORTFOLIOS_PER_ACCOUNT: '20' },
    { market: {}, analysis: {}, loggers: { gateway: new Logger('gateway', 'info', {}, (line) => void gatewayLog.push(line)) } },
  );
  [alice, bob] = await Promise.all([signUp(platform), signUp(platform)]);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await providers?.stop();
}, 60_000);

const gql = <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, token?: string) => sendRaw<T>(platform.gatewayUrl, { query, variables }, token);

/** A gateway of this platform with NODE_ENV=production (which reads the internal token's key from the environment, not the data folder). */
function startProductionGateway() {
  return platform.startGateway({ NODE_ENV: 'production', INTERNAL_TOKEN_PRIVATE_KEY: fs.readFileSync(path.join(platform.env.HERCK_DATA_DIR!, 'keys', 'internal-token.pem'), 'utf8') });
}

describe("a portfolio's performance over a long history of flows", () => {
  it("is computed in a blink, not in seconds of the analysis service's one thread (any user could stall every user's alerts)", async () => {
    // A user's own portfolio: twenty-odd years of weekly deposits, each at its own time of day, with a fee.
    // XIRR's Newton iteration ran away from the root (to rates of 1e396) for a hundred ever costlier steps,
    // each raising a decimal to every flow's power: 5 seconds for one `performance` of 300 deposits.
    const { createPortfolio } = (await gql<{ createPortfolio: { id: string } }>('mutation { createPortfolio(name: "weekly", baseCurrency: "USD") { id } }', {}, bob.accessToken)).data!;
    const week = 7 * 86_400_000;
    const first = Date.UTC(1971, 0, 4, 9, 30);
    for (let batch = 0; batch < 11; batch++) {
      const deposits = Array.from({ length: 15 }, (_, i) => {
        const time = new Date(first + (batch * 15 + i) * week + ((batch * 15 + i) * 7919 % 86_400) * 1000).toISOString();
        return `d${i}: addTransaction(portfolioId: $id, input: { kind: DEPOSIT, quantity: "100", fee: "1", currency: "USD", time: "${time}" }) { id }`;
      });
      expect((await gql(`mutation($id: ID!) { ${deposits.join(' ')} }`, { id: createPortfolio.id }, bob.accessToken)).errors).toBeUndefined();
    }
    const started = Date.now();
    const answer = await gql<{ portfolio: Record<string, { xirr: string; roi: string }> }>(
      `query($id: ID!) { portfolio(id: $id) {
        all: performance(from: "1970-01-01T00:00:00Z", to: "2026-12-01T00:00:00Z") { xirr roi }
        since1972: performance(from: "1972-01-01T00:00:00Z", to: "2026-12-01T00:00:00Z") { xirr roi }
        since1973: performance(from: "1973-01-01T00:00:00Z", to: "2026-12-01T00:00:00Z") { xirr roi }
      } }`,
      { id: createPortfolio.id },
      bob.accessToken,
    );
    const elapsedMs = Date.now() - started;
    expect(answer.errors).toBeUndefined();
    // Every deposit lost its 1 % fee and earned nothing: a return just below zero.
    expect(answer.data!.portfolio.all).toEqual({ xirr: '-0.000184833355', roi: '-0.01' });
    // A bound a loaded CI machine keeps (it took well under a second here), far below the 5.9 s it took before.
    expect(elapsedMs).toBeLessThan(3_000);
  });
});

interface WsMessage { type: string; id?: string; payload?: any }
/** A raw graphql-ws socket, acknowledged; `messages` collects what the gateway sends, `until` waits on it. */
async function openSocket(init: Record<string, unknown> = {}, url = platform.gatewayUrl) {
  const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const messages: WsMessage[] = [];
  let closed: { code: number; reason: string } | null = null;
  const waiters: (() => void)[] = [];
  const notify = () => waiters.splice(0).forEach((wake) => wake());
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as WsMessage);
    notify();
  });
  socket.on('close', (code, reason) => {
    closed = { code, reason: String(reason) };
    notify();
  });
  const until = (check: () => boolean) => new Promise<void>((resolve) => {
    const test = () => (check() ? resolve() : void waiters.push(test));
    test();
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init', payload: init }));
  await until(() => closed !== null || messages.some((m) => m.type === 'connection_ack'));
  return { socket, messages, until, closedWith: () => closed as { code: number; reason: string } | null };
}


describe("another user's portfolios and alerts", () => {
  it('cannot be listed, deleted or acknowledged by id: NOT_FOUND, and nothing changes', async () => {
    const { createPortfolio } = (await gql<{ createPortfolio: { id: string } }>('mutation { createPortfolio(name: "private", baseCurrency: "USD") { id } }', {}, alice.accessToken)).data!;
    const deposit = await gql('mutation($id: ID!) { addTransaction(portfolioId: $id, input: { kind: DEPOSIT, quantity: "100", currency: "USD", time: "2026-01-05T10:00:00Z" }) { id } }', { id: createPortfolio.id }, alice.accessToken);
    expect(deposit.errors).toBeUndefined();
    const created = await gql('mutation { createStrategy(input: { name: "always", symbols: ["BTC"], indicators: [], condition: "price > 1.0" }) { strategy { id } } }', {}, alice.accessToken);
    expect(created.errors).toBeUndefined();
    const alertsOf = async (token: string) => (await gql<{ alerts: { nodes: { id: string; acknowledged: boolean }[] } }>('{ alerts { nodes { id acknowledged } } }', {}, token)).data!.alerts.nodes;
    await eventually(async () => (await alertsOf(alice.accessToken)).length > 0, 15_000);
    const [alert] = await alertsOf(alice.accessToken);

    const refused = [
      await gql('query($id: ID!) { transactions(portfolioId: $id) { nodes { id } } }', { id: createPortfolio.id }, bob.accessToken),
      await gql('mutation($ids: [ID!]!) { acknowledgeAlerts(ids: $ids) }', { ids: [alert!.id] }, bob.accessToken),
      // One of the caller's own ids beside it changes nothing either: the whole list is refused.
      await gql('mutation($ids: [ID!]!) { acknowledgeAlerts(ids: $ids) }', { ids: [randomUUID(), alert!.id] }, bob.accessToken),
      await gql('mutation($id: ID!) { deletePortfolio(id: $id) }', { id: createPortfolio.id }, bob.accessToken),
    ];
    expect(refused.map(codes)).toEqual(refused.map(() => ['NOT_FOUND']));
    expect(JSON.stringify(refused)).not.toContain(alice.accountId);
    expect((await alertsOf(bob.accessToken))).toEqual([]);
    expect((await alertsOf(alice.accessToken)).find((own) => own.id === alert!.id)?.acknowledged).toBe(false);
    const own = await gql<{ transactions: { nodes: { id: string }[] } }>('query($id: ID!) { transactions(portfolioId: $id) { nodes { id } } }', { id: createPortfolio.id }, alice.accessToken);
    expect(own.data!.transactions.nodes).toHaveLength(1);
  });
});

describe("the subgraphs' federation fields", () => {
  it('are no part of the public schema: `_entities` and `_service` fail validation over HTTP and the socket', async () => {
    const entities = `{ _entities(representations: [{ __typename: "Account", id: "${alice.accountId}" }]) { ... on Account { email } } }`;
    const ws = await openSocket({ Authorization: `Bearer ${bob.accessToken}` });
    for (const [id, query] of [['entities', entities], ['service', '{ _service { sdl } }']]) {
      const answer = await gql(query, {}, bob.accessToken);
      expect({ data: answer.data, codes: codes(answer) }).toEqual({ data: undefined, codes: ['GRAPHQL_VALIDATION_FAILED'] });
      ws.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
      await ws.until(() => ws.messages.some((message) => message.id === id));
      const [refusal] = ws.messages.filter((message) => message.id === id);
      expect([refusal!.type, refusal!.payload.map((error: { extensions: { code: string } }) => error.extensions.code)]).toEqual(['error', ['GRAPHQL_VALIDATION_FAILED']]);
    }
    expect(JSON.stringify(ws.messages)).not.toContain(alice.email);
    ws.socket.close();
  });
});

describe('forged access tokens', () => {
  it('are refused over HTTP (401) and on the socket (4403): alg none, HS256 keyed with the public key, a kid that names a path or a prototype member', async () => {
    const [header, payload, signature] = alice.accessToken.split('.') as [string, string, string];
    const claims = { ...(JSON.parse(Buffer.from(payload, 'base64url').toString()) as object), roles: ['ADMIN'] };
    const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string };
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const { keys } = (await (await fetch(new URL('/.well-known/jwks.json', platform.auth.url))).json()) as { keys: (import('node:crypto').JsonWebKey & { kid: string })[] };
    const publicPem = createPublicKey({ key: keys.find((key) => key.kid === kid)!, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
    const forged = {
      none: `${encode({ alg: 'none', typ: 'JWT', kid })}.${encode(claims)}.`,
      // The public key's PEM as an HMAC secret: the classic confusion of an asymmetric key with a shared one.
      hs256: jwt.sign(claims, publicPem, { algorithm: 'HS256', keyid: kid }),
      kidPath: `${encode({ alg: 'ES256', typ: 'JWT', kid: '../../../../dev/null' })}.${payload}.${signature}`,
      kidProto: `${encode({ alg: 'ES256', typ: 'JWT', kid: '__proto__' })}.${payload}.${signature}`,
      kidNumber: `${encode({ alg: 'ES256', typ: 'JWT', kid: 1 })}.${payload}.${signature}`,
    };
    for (const [name, token] of Object.entries(forged)) {
      const answer = await gql('{ me { id roles } }', {}, token);
      expect([name, answer.status, codes(answer), answer.data]).toEqual([name, 401, ['UNAUTHENTICATED'], undefined]);
      const ws = await openSocket({ Authorization: `Bearer ${token}` });
      await ws.until(() => ws.closedWith() !== null);
      expect([name, ws.closedWith()?.code]).toEqual([name, 4403]);
    }
    // The genuine token still works, and says USER.
    expect((await gql<{ me: { roles: string[] } }>('{ me { roles } }', {}, alice.accessToken)).data?.me.roles).toEqual(['USER']);
  });
});

describe('introspection in production', () => {
  it('is refused however it is asked for (`__type`, `__schema` in a fragment), over the socket as over HTTP', async () => {
    const production = await startProductionGateway();
    try {
      const ws = await openSocket({ Authorization: `Bearer ${alice.accessToken}` }, production.url);
      const queries = ['{ __type(name: "Account") { fields { name } } }', '{ ...Schema } fragment Schema on Query { __schema { queryType { name } } }', '{ me { id } __type(name: "Role") { enumValues { name } } }'];
      for (const [index, query] of queries.entries()) {
        const answer = await sendRaw(production.url, { query }, alice.accessToken);
        expect([query, answer.data, codes(answer)]).toEqual([query, undefined, ['GRAPHQL_VALIDATION_FAILED']]);
        ws.socket.send(JSON.stringify({ id: String(index), type: 'subscribe', payload: { query } }));
        await ws.until(() => ws.messages.some((message) => message.id === String(index)));
        const [refusal] = ws.messages.filter((message) => message.id === String(index));
        expect([query, refusal!.type, refusal!.payload.map((error: { extensions: { code: string } }) => error.extensions.code)]).toEqual([query, 'error', ['GRAPHQL_VALIDATION_FAILED']]);
      }
      ws.socket.close();
    } finally {
      await production.stop();
    }
  });
});

describe('operation names, which clients choose', () => {
  it('cannot blow up /metrics: a name of 45,000 characters counts as "other" at the gateway and at the subgraph it reaches', async () => {
    // Each name was a label value of its own, in every series of both operation metrics (a line per
    // histogram bucket), at the gateway and in each subgraph (as `<name>__market__0`): two requests grew
    // market's /metrics from 8 KB to 1.4 MB. The first 200 names of any length: 400 MB a scrape, per process.
    const scrapes = [new URL('/metrics', platform.gatewayUrl), new URL('/metrics', platform.market!.url)];
    const sizes = async () => Promise.all(scrapes.map(async (url) => (await (await fetch(url)).text()).length));
    const before = await sizes();
    for (const variant of ['A', 'B']) {
      const name = `Long${variant}${'x'.repeat(45_000)}`;
      const answer = await sendRaw(platform.gatewayUrl, { query: `query ${name} { marketSnapshot { time } }`, operationName: name });
      expect(answer.errors).toBeUndefined();
    }
    const texts = await Promise.all(scrapes.map(async (url) => (await fetch(url)).text()));
    for (const [index, text] of texts.entries()) {
      expect([String(scrapes[index]), text.includes('x'.repeat(200))]).toEqual([String(scrapes[index]), false]);
      expect(text.length - before[index]!).toBeLessThan(20_000);
      expect(text).toMatch(/herck_graphql_operations_total\{[^}]*operation="other"/);
    }
  });

  it("are cut to 128 characters in the gateway's `operation answered` line: an anonymous request's line was its name's size", async () => {
    // The gateway logs every operation at info, shipped to the logs store whose room per service is bounded:
    // 45,000-character names made each anonymous request a 45 KB line, pushing out the history an operator needs.
    const name = `Flood${'y'.repeat(45_000)}`;
    expect((await sendRaw(platform.gatewayUrl, { query: `query ${name} { __typename }`, operationName: name })).errors).toBeUndefined();
    const line = gatewayLog.find((text) => text.includes('"msg":"operation answered"') && text.includes('Floodyyyy'));
    expect(line?.length).toBeLessThan(1_000);
    expect((JSON.parse(line!) as { operation: string }).operation).toBe(`${name.slice(0, 128)}…`);
  });
});

describe("a forged token's key id", () => {
  it('is not looked up nor remembered when no key of auth could have it: longer than 256 characters', async () => {
    // Each kid auth does not publish was fetched for, then remembered (10,000 of them) however long: sockets
    // opened with tokens naming 70,000-character kids kept 32 MB per 300 after collection, anonymously,
    // before any limit counted them (toward a gigabyte for 10,000). Auth's kids are 43 characters.
    let fetches = 0;
    const jwks = http.createServer((_req, res) => {
      fetches += 1;
      void fetch(new URL('/.well-known/jwks.json', platform.auth.url)).then(async (answer) => res.writeHead(200, { 'content-type': 'application/json' }).end(await answer.text()));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const gateway = await platform.startGateway({ AUTH_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json` });
    try {
      const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const forged = (kid: string) => `${encode({ alg: 'ES256', typ: 'JWT', kid })}.${encode({ sub: alice.accountId })}.c2lnbmF0dXJl`;
      // The gateway knows auth's keys once it has checked a real token.
      expect((await sendRaw(gateway.url, { query: '{ me { id } }' }, alice.accessToken)).errors).toBeUndefined();
      const known = fetches;
      const long = [`a${'k'.repeat(256)}`, `b${'k'.repeat(8_000)}`];
      for (const kid of long) {
        const answer = await sendRaw(gateway.url, { query: '{ me { id } }' }, forged(kid));
        expect([kid.length, answer.status, codes(answer)]).toEqual([kid.length, 401, ['UNAUTHENTICATED']]);
        const ws = await openSocket({ Authorization: `Bearer ${forged(kid)}` }, gateway.url);
        await ws.until(() => ws.closedWith() !== null);
        expect(ws.closedWith()?.code).toBe(4403);
      }
      expect(fetches).toBe(known);
      // A short unknown kid may be a key auth has just started to publish: it is still fetched for.
      expect((await sendRaw(gateway.url, { query: '{ me { id } }' }, forged('k'.repeat(43)))).status).toBe(401);
      expect(fetches).toBe(known + 1);
    } finally {
      await gateway.stop();
      await new Promise((resolve) => jwks.close(resolve));
    }
  });
});

describe("an account's portfolios", () => {
  it('are at most PORTFOLIOS_PER_ACCOUNT, as strategies are: `portfolios` is one unpaged list the cost limit counts as 20', async () => {
    // Without a bound, 600 portfolios made in 5 s answered `portfolios { holdings balance performance }` under
    // 15 aliases in 2.5 s (a megabyte), and ten times as many ten times slower: any user, every request.
    const user = await signUp(platform);
    const create = (count: number) => gql(`mutation { ${Array.from({ length: count }, (_, i) => `p${i}: createPortfolio(name: "p${i}", baseCurrency: "USD") { id }`).join(' ')} }`, {}, user.accessToken);
    expect((await create(15)).errors).toBeUndefined();
    const beyond = await create(10);
    // Five more fit; the sixth and the rest are refused (a mutation's fields run one after the other: the first refusal ends it).
    expect(codes(beyond)).toEqual(['CONFLICT']);
    expect(beyond.errors?.[0]?.path).toEqual(['p5']);
    expect(beyond.errors?.[0]?.message).toBe('You already have 20 portfolios, the most an account may keep');
    const listed = await gql<{ portfolios: { id: string }[] }>('{ portfolios { id } }', {}, user.accessToken);
    expect(listed.data!.portfolios).toHaveLength(20);
    // One deleted makes room for one.
    expect((await gql('mutation($id: ID!) { deletePortfolio(id: $id) }', { id: listed.data!.portfolios[0]!.id }, user.accessToken)).errors).toBeUndefined();
    expect((await create(1)).errors).toBeUndefined();
    expect(codes(await create(1))).toEqual(['CONFLICT']);
  });
});

describe("an account's default portfolio", () => {
  it('does not count toward PORTFOLIOS_PER_ACCOUNT: an order\'s fill makes it, the owner did not create it', async () => {
    const user = await signUp(platform);
    // As a first filled order makes it (orders-events.handler).
    await platform.analysis!.runtime.orm.em.fork().execute(
      `INSERT INTO portfolios (id, owner_id, name, base_currency, cost_basis_method, is_default, created_at) VALUES (?, ?, 'Orders', 'USD', 'FIFO', true, now())`,
      [randomUUID(), user.accountId],
    );
    // Twenty, in two requests (at most 15 aliases a request).
    for (const from of [0, 10]) {
      const created = await gql(`mutation { ${Array.from({ length: 10 }, (_, i) => `p${i}: createPortfolio(name: "p${from + i}", baseCurrency: "USD") { id }`).join(' ')} }`, {}, user.accessToken);
      expect(created.errors).toBeUndefined();
    }
    expect((await gql<{ portfolios: unknown[] }>('{ portfolios { id } }', {}, user.accessToken)).data!.portfolios).toHaveLength(21);
  });
});

describe('an operationName that names no operation of the document', () => {
  it('runs nothing over the socket, as over HTTP: empty, a fragment’s name, unknown, or none of two', async () => {
    const user = await signUp(platform);
    const create = 'mutation { createPortfolio(name: "sneaked in", baseCurrency: "USD") { id } }';
    const cases: { query: string; operationName?: string | null }[] = [
      // graphql-ws drops nothing: "" is a name no operation has (the parser's reading), not a missing one.
      { query: create, operationName: '' },
      { query: 'mutation { ...Create } fragment Create on Mutation { createPortfolio(name: "x", baseCurrency: "USD") { id } }', operationName: 'Create' },
      { query: create, operationName: 'Other' },
      { query: 'mutation First { createPortfolio(name: "first", baseCurrency: "USD") { id } } mutation Second { createPortfolio(name: "second", baseCurrency: "USD") { id } }', operationName: null },
      { query: 'subscription Live { ticks(symbols: ["BTC"]) { symbol } } mutation Create { createPortfolio(name: "x", baseCurrency: "USD") { id } }', operationName: '' },
    ];
    const ws = await openSocket({ Authorization: `Bearer ${user.accessToken}` });
    for (const [index, payload] of cases.entries()) {
      const overHttp = await sendRaw(platform.gatewayUrl, payload, user.accessToken);
      expect([index, overHttp.data, codes(overHttp)]).toEqual([index, undefined, ['OPERATION_RESOLUTION_FAILURE']]);
      ws.socket.send(JSON.stringify({ id: String(index), type: 'subscribe', payload }));
      await ws.until(() => ws.messages.some((message) => message.id === String(index)));
      const [answer] = ws.messages.filter((message) => message.id === String(index));
      expect([index, answer!.type, answer!.payload.map((error: { extensions: { code: string } }) => error.extensions.code)]).toEqual([index, 'error', ['OPERATION_RESOLUTION_FAILURE']]);
    }
    ws.socket.close();
    expect((await gql<{ portfolios: unknown[] }>('{ portfolios { id } }', {}, user.accessToken)).data!.portfolios).toEqual([]);
  });
});

describe('operation ids named like members of every JavaScript object', () => {
  it('are operations like any other on the socket: they run, count toward its limit and end with it', async () => {
    const gateway = await platform.startGateway({ WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '2' });
    try {
      const ws = await openSocket({ Authorization: `Bearer ${alice.accessToken}` }, gateway.url);
      const first = (id: string) => ws.messages.find((message) => message.id === id);
      for (const id of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
        ws.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query: 'subscription { ticks(symbols: ["BTC"]) { symbol } }' } }));
        await ws.until(() => ws.closedWith() !== null || first(id) !== undefined);
      }
      expect(['__proto__', 'constructor', 'toString', 'hasOwnProperty'].map((id) => [id, first(id)?.type, first(id)?.payload?.[0]?.extensions?.code ?? null])).toEqual([
        ['__proto__', 'next', null],
        ['constructor', 'next', null],
        ['toString', 'error', 'RATE_LIMITED'],
        ['hasOwnProperty', 'error', 'RATE_LIMITED'],
      ]);
      expect(ws.closedWith()).toBeNull();
      expect(gateway.live().clientSubscriptions).toBe(2);
      ws.socket.close();
      await eventually(async () => gateway.live().clientSubscriptions === 0 && gateway.live().upstreamSubscriptions === 0, 5_000);
    } finally {
      await gateway.stop();
    }
  });
});

describe('malformed CSV sent to importCandles, through a production gateway', () => {
  it("is described in the platform's words, not in the CSV library's", async () => {
    const production = await startProductionGateway();
    try {
      const admin = await logInAdmin(platform);
      const header = 'time,open,high,low,close,volume';
      const cases = [
        { csv: `${header}\n2024-01-01T00:00:00Z,"1,1,1,1,1\n`, reason: 'a quoted field is not closed' },
        { csv: `${header}\n2024-01-01T00:00:00Z,1"2,1,1,1,1\n`, reason: 'a quote inside a field that does not begin with one (quote the whole field, doubling its quotes)' },
        { csv: `${header}\n2024-01-01T00:00:00Z,"1"2,1,1,1,1\n`, reason: 'text after the closing quote of a field' },
        { csv: `"time"x,open,high,low,close,volume\n`, reason: 'text after the closing quote of a field' },
      ];
      for (const { csv, reason } of cases) {
        const answer = await sendRaw<unknown>(production.url, { query: 'mutation($csv: String!) { importCandles(symbol: "BTC", interval: H1, csv: $csv) { __typename } }', variables: { csv } }, admin.accessToken);
        // csv-parse's own sentences ("Invalid Opening Quote: a quote is found on field 0 at line 2, value is …") named its internals.
        expect(JSON.stringify(answer.errors)).not.toMatch(/Invalid (Opening|Closing) Quote|Quote Not Closed|parsing is finished|on field \d|value is|Non trimable/i);
        expect([csv, codes(answer), JSON.stringify(answer.errors?.[0]?.message)]).toEqual([csv, ['BAD_USER_INPUT'], expect.stringContaining(`malformed CSV: ${reason}`)]);
      }
    } finally {
      await production.stop();
    }
  });
});

describe('a refused sale or withdrawal, through a production gateway', () => {
  it('names its amounts as the Decimal scalar writes them, never in exponent notation the scalar refuses', async () => {
    const production = await startProductionGateway();
    try {
      const owner = await signUp(platform);
      const send = <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}) => sendRaw<T>(production.url, { query, variables }, owner.accessToken);
      const { createPortfolio } = (await send<{ createPortfolio: { id: string } }>('mutation { createPortfolio(name: "tiny", baseCurrency: "USD") { id } }')).data!;
      const add = (input: string) => send(`mutation($id: ID!) { addTransaction(portfolioId: $id, input: ${input}) { id } }`, { id: createPortfolio.id });
      expect((await add('{ kind: DEPOSIT, quantity: "0.00000005", currency: "USD", time: "2024-01-01T00:00:00Z" }')).errors).toBeUndefined();
      const refusals = [
        [await add('{ kind: WITHDRAWAL, quantity: "0.0000001", currency: "USD", time: "2024-01-02T00:00:00Z" }'), 'Cannot withdraw 0.0000001 at 2024-01-02T00:00:00.000Z: only 0.00000005 cash held then'],
        [await add(`{ kind: WITHDRAWAL, quantity: "${'9'.repeat(25)}", currency: "USD", time: "2024-01-02T00:00:00Z" }`), `Cannot withdraw ${'9'.repeat(25)} at 2024-01-02T00:00:00.000Z: only 0.00000005 cash held then`],
        [await add('{ kind: SELL, symbol: "BTC", quantity: "0.0000001", price: "1", currency: "USD", time: "2024-01-02T00:00:00Z" }'), 'Cannot sell 0.0000001 BTC at 2024-01-02T00:00:00.000Z: only 0 held then'],
      ] as const;
      // decimal.js's toString wrote "1e-7" and "9.999999999999999999999999e+24": text a client cannot send back as a Decimal.
      for (const [answer, message] of refusals) expect(answer.errors).toEqual([expect.objectContaining({ message, extensions: { code: 'BAD_USER_INPUT', field: 'quantity' } })]);
    } finally {
      await production.stop();
    }
  });
});
