import { INTERNAL_TOKEN_HEADER, Logger } from '@herck/common';
import { AssetsDocument, CandlesDocument, MarketSnapshotDocument, MeDocument, TrackAssetDocument } from './support/operations.generated';
import { codes, send, sendRaw } from './support/graphql-client';
import { startTestPlatform, TestPlatform } from './support/platform';
import { ADMIN_PASSWORD, adminEnv, eventually, logIn, signUp, SignedUpUser } from './support/users';

/**
 * The gateway reuses answers a subgraph declares public (market's round-scoped
 * data) until the next round's boundary, and never anything personal; a
 * reused answer is never older than the latest round, and role checks run
 * before every reuse.
 */
const INTERVAL_SECONDS = 6;
const ADMIN_EMAIL = 'public-answers-admin@example.com';

/** Operations the market subgraph answered, by name (its access log, at debug level). */
const marketOperations: string[] = [];
const marketLogger = new Logger('market', 'debug', {}, (line) => {
  const entry = JSON.parse(line) as { msg: string; operation?: string };
  if (entry.msg === 'operation answered') marketOperations.push(entry.operation ?? '');
});
const answered = (prefix: string) => marketOperations.filter((name) => name.startsWith(prefix)).length;

let platform: TestPlatform;
let user: SignedUpUser;

beforeAll(async () => {
  platform = await startTestPlatform(
    { MARKET_INTERVAL_SECONDS: String(INTERVAL_SECONDS), ...adminEnv(ADMIN_EMAIL) },
    { market: {}, loggers: { market: marketLogger } },
  );
  user = await signUp(platform);
});
afterAll(() => platform?.stop());

/** The round time in market's memory once a new round landed within two seconds of its time (four or more left). */
async function freshRound(): Promise<Date> {
  const before = platform.market!.snapshot.time?.getTime() ?? 0;
  let round: Date | null = null;
  await eventually(async () => {
    round = platform.market!.snapshot.time;
    return !!round && round.getTime() > before && Date.now() < round.getTime() + 2_000;
  }, 4 * INTERVAL_SECONDS * 1000);
  return round!;
}

describe('public answers', () => {
  it('are fetched from market once per round, and a new round is seen as soon as it lands', async () => {
    const round = await freshRound();
    const before = answered('MarketSnapshot');
    const first = await send(platform.gatewayUrl, MarketSnapshotDocument, { symbols: ['BTC'] });
    expect(first.data?.marketSnapshot.time).toBe(round.toISOString());
    const answers = await Promise.all(Array.from({ length: 5 }, () => send(platform.gatewayUrl, MarketSnapshotDocument, { symbols: ['BTC'] })));
    for (const answer of answers) expect(answer.data).toEqual(first.data);
    expect(answered('MarketSnapshot') - before).toBe(1);
    const metrics = await (await fetch(platform.gatewayUrl.replace(/\/graphql$/, '/metrics'))).text();
    const reused = /herck_subgraph_fetch_duration_seconds_count\{[^}]*subgraph="market",outcome="reused"[^}]*\} (\d+)/.exec(metrics)?.[1];
    expect(Number(reused)).toBeGreaterThanOrEqual(5);
    // Other variables are another answer.
    const eth = await send(platform.gatewayUrl, MarketSnapshotDocument, { symbols: ['ETH'] });
    expect(eth.data?.marketSnapshot.ticks.map((tick) => tick.symbol)).toEqual(['ETH']);
    expect(answered('MarketSnapshot') - before).toBe(2);

    const next = await freshRound();
    const after = await send(platform.gatewayUrl, MarketSnapshotDocument, { symbols: ['BTC'] });
    expect(after.data?.marketSnapshot.time).toBe(next.toISOString());
  });

  it('are not reused after a mutation to market: a change is read back at once', async () => {
    const admin = await logIn(platform, ADMIN_EMAIL, ADMIN_PASSWORD);
    const search = async () => (await send(platform.gatewayUrl, AssetsDocument, { search: 'arbitrum' })).data!.assets.nodes.map((asset) => asset.symbol);
    const round = await freshRound();
    const before = answered('Assets');
    expect(await search()).toEqual([]);
    expect(await search()).toEqual([]);
    // The second search was the gateway's reused answer: market was asked once.
    expect(answered('Assets') - before).toBe(1);
    expect((await send(platform.gatewayUrl, TrackAssetDocument, { symbol: 'ARB', name: 'Arbitrum' }, admin.accessToken)).errors).toBeUndefined();
    // Well within the round the empty answer was declared public for, it is not reused.
    expect(await search()).toEqual(['ARB']);
    expect(answered('Assets') - before).toBe(2);
    expect(platform.market!.snapshot.time?.getTime()).toBe(round.getTime());
  });

  it('are declared by market only for round-scoped reads, up to the next boundary', async () => {
    const round = await freshRound();
    const direct = (query: string) =>
      fetch(platform.market!.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: signerToken() },
        body: JSON.stringify({ query }),
      });
    const sent = Date.now();
    const snapshot = await direct('{ marketSnapshot(symbols: ["BTC"]) { time } }');
    const maxAge = Number(/public, max-age=(\d+)/.exec(snapshot.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).toBeGreaterThanOrEqual(1);
    expect(maxAge).toBeLessThanOrEqual(5);
    // Market answered after `sent`: the age it gave ends by the next round's boundary.
    expect(sent + maxAge * 1000).toBeLessThanOrEqual(round.getTime() + INTERVAL_SECONDS * 1000);
    expect((await direct('{ marketProviders { name } }')).headers.get('cache-control') ?? '').not.toMatch(/public/);
    expect((await direct('{ marketSnapshot(symbols: ["NOPE"]) { time } nope }')).headers.get('cache-control') ?? '').not.toMatch(/public/);
  });

  it('never include personal answers, and role checks still run before a reused answer', async () => {
    const before = marketOperations.length;
    const me = await Promise.all([1, 2, 3].map(() => send(platform.gatewayUrl, MeDocument, {}, user.accessToken)));
    for (const answer of me) expect(answer.data?.me?.username).toBe(user.username);
    expect(marketOperations.length).toBe(before);

    await freshRound();
    const candles = { symbol: 'BTC', interval: 'M1' as const, first: 5 };
    expect(codes(await send(platform.gatewayUrl, CandlesDocument, candles, user.accessToken))).toEqual([]);
    expect(codes(await send(platform.gatewayUrl, CandlesDocument, candles))).toEqual(['UNAUTHENTICATED']);
  });

  it('carry no `errors` when a field denied to the caller has no instance in them (an empty list)', async () => {
    const query = '{ assets(search: "no-such-asset-anywhere") { nodes { symbol candles(interval: M1, first: 1) { nodes { close } } } } }';
    for (const answer of [await sendRaw(platform.gatewayUrl, { query }), await sendRaw(platform.gatewayUrl, { query }, undefined, { accept: 'application/graphql-response+json' })]) {
      // GraphQL: "If present, the errors entry must contain at least one error"; `[]` was sent.
      expect({ status: answer.status, keys: Object.keys(answer).filter((key) => key === 'errors' || key === 'data'), data: answer.data }).toEqual({ status: 200, keys: ['data'], data: { assets: { nodes: [] } } });
    }
    // Where it has instances, each still gets its error.
    expect(codes(await sendRaw(platform.gatewayUrl, { query: '{ assets(first: 1) { nodes { candles(interval: M1, first: 1) { nodes { close } } } } }' }))).toEqual(['UNAUTHENTICATED']);
  });

  it('are not what the gateway tells clients to cache', async () => {
    const response = await fetch(platform.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ marketSnapshot { time } }' }) });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control') ?? '').not.toMatch(/public/);
  });
});

/** An internal token for market, signed with the gateway's key from the platform's data folder. */
function signerToken(): string {
  return platform.internalTokenSigner().sign({ accountId: user.accountId, roles: ['USER'] }, 'market');
}
