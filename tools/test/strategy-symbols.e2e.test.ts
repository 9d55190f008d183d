import pg from 'pg';
import type { Clock } from '../../subgraphs/market/src/modules/ingestion/clock';
import { codes, send } from './support/graphql-client';
import { AssetsDocument, CreateStrategyDocument, CreateStrategyInput, ImportCandlesDocument, StrategyDocument, TrackAssetDocument, UntrackAssetDocument, UpdateStrategyDocument } from './support/operations.generated';
import { startTestPlatform, TestPlatform } from './support/platform';
import { adminEnv, eventually, logInAdmin, signUp, SignedUpUser } from './support/users';

/**
 * Strategies may watch an asset from the moment market follows it: analysis
 * learns the tracked assets from market's announcements, not only from their
 * first tick. Market here never runs a round (its clock's timers never fire),
 * as on a fresh installation before its first boundary.
 */
const noRounds: Clock = { now: () => Date.now(), setTimeout: () => 0, clearTimeout: () => undefined };

let platform: TestPlatform;
let user: SignedUpUser;
let admin: { accessToken: string };

beforeAll(async () => {
  platform = await startTestPlatform(adminEnv('symbols-admin@example.com'), { market: { clock: noRounds }, analysis: {} });
  user = await signUp(platform);
  admin = await logInAdmin(platform);
}, 60_000);

afterAll(async () => {
  await platform?.stop();
});

const watching = (symbol: string): CreateStrategyInput => ({
  name: `Watch ${symbol}`,
  symbols: [symbol],
  interval: 'M1',
  indicators: [],
  condition: 'price > 1000000.0',
  trigger: 'ON_CROSS',
  cooldownSeconds: 60,
  channels: { inApp: true, email: false, webhookUrl: null },
});

describe('strategies on tracked assets', () => {
  it('accept an asset market follows before any round has priced it', async () => {
    expect(platform.market!.snapshot.time).toBeNull();
    const created = await send(platform.gatewayUrl, CreateStrategyDocument, { input: watching('BTC') }, user.accessToken);
    expect(created.errors).toBeUndefined();
    expect(created.data?.createStrategy.strategy.symbols).toEqual(['BTC']);
  });

  it('accept an asset an admin has just tracked, and refuse it before', async () => {
    const before = await send(platform.gatewayUrl, CreateStrategyDocument, { input: watching('ARB') }, user.accessToken);
    expect(codes(before)).toEqual(['BAD_USER_INPUT']);
    expect(before.errors?.[0]?.message).toBe('"ARB" is not a tracked symbol');

    const tracked = await send(platform.gatewayUrl, TrackAssetDocument, { symbol: 'ARB', name: 'Arbitrum' }, admin.accessToken);
    expect(tracked.errors).toBeUndefined();
    // At once: the announcement is on the bus before trackAsset answers, and analysis applies what is there first.
    const after = await send(platform.gatewayUrl, CreateStrategyDocument, { input: watching('ARB') }, user.accessToken);
    expect(after.errors).toBeUndefined();
    expect(after.data?.createStrategy.strategy.symbols).toEqual(['ARB']);
    expect(platform.market!.snapshot.time).toBeNull();
  });

  it('refuse an asset market no longer follows, even when a round read before the untracking lands after it', async () => {
    const tracked = await send(platform.gatewayUrl, TrackAssetDocument, { symbol: 'OP', name: null }, admin.accessToken);
    expect(tracked.errors).toBeUndefined();
    const kept = await send(platform.gatewayUrl, CreateStrategyDocument, { input: watching('OP') }, user.accessToken);
    expect(kept.errors).toBeUndefined();
    expect((await send(platform.gatewayUrl, UntrackAssetDocument, { symbol: 'OP' }, admin.accessToken)).data?.untrackAsset).toBe(true);
    expect(codes(await send(platform.gatewayUrl, CreateStrategyDocument, { input: watching('OP') }, user.accessToken))).toEqual(['BAD_USER_INPUT']);

    const bus = new pg.Client({ connectionString: platform.analysis!.runtime.config.busUrl });
    await bus.connect();
    const publish = (type: string, payload: object) => bus.query("INSERT INTO bus_events (id, type, source, payload) VALUES (gen_random_uuid(), $1, 'market', $2)", [type, JSON.stringify(payload)]);
    const tick = (symbol: string, time: Date) => publish('market.tick', { time: time.toISOString(), prices: [{ symbol, price: '1.5', source: 'test' }] });
    try {
      // A round that read OP as tracked a moment before the untracking, announced after it, whatever its time.
      await tick('OP', new Date());
      // An untracking of a symbol analysis has not seen yet, then a round that still quoted it.
      await publish('market.asset', { symbol: 'GHOST', name: 'Ghost', tracked: false, changedAt: new Date().toISOString() });
      await tick('GHOST', new Date());
      await platform.analysis!.runtime.catchUpEvents();
      for (const symbol of ['OP', 'GHOST']) expect(codes(await send(platform.gatewayUrl, CreateStrategyDocument, { input: watching(symbol) }, user.accessToken))).toEqual(['BAD_USER_INPUT']);
    } finally {
      await bus.end();
    }

    // The strategy that watched OP before keeps it through an edit that sends its symbols back.
    const id = kept.data!.createStrategy.strategy.id;
    const edited = await send(platform.gatewayUrl, UpdateStrategyDocument, { id, input: { name: 'Watch OP, renamed', symbols: ['OP'] } }, user.accessToken);
    expect(edited.errors).toBeUndefined();
    expect(edited.data?.updateStrategy.symbols).toEqual(['OP']);
    // Tracked again by an admin: OP may be watched anew.
    expect((await send(platform.gatewayUrl, TrackAssetDocument, { symbol: 'OP', name: null }, admin.accessToken)).errors).toBeUndefined();
    expect((await send(platform.gatewayUrl, CreateStrategyDocument, { input: watching('OP') }, user.accessToken)).errors).toBeUndefined();
  });

  it('clear the lastError a strategy had only for an asset market stopped following', async () => {
    expect((await send(platform.gatewayUrl, TrackAssetDocument, { symbol: 'ZEROX', name: null }, admin.accessToken)).errors).toBeUndefined();
    // An integer division by zero at a price of 10: ZEROX fails, BTC at 20 evaluates.
    const input = { ...watching('BTC'), name: 'Fails for ZEROX', symbols: ['BTC', 'ZEROX'], condition: 'int(price) / (int(price) - 10) >= 0' };
    const id = (await send(platform.gatewayUrl, CreateStrategyDocument, { input }, user.accessToken)).data!.createStrategy.strategy.id;
    const lastError = async () => (await send(platform.gatewayUrl, StrategyDocument, { id }, user.accessToken)).data!.strategy.lastError;
    const bus = new pg.Client({ connectionString: platform.analysis!.runtime.config.busUrl });
    await bus.connect();
    try {
      const time = new Date().toISOString();
      await bus.query("INSERT INTO bus_events (id, type, source, payload) VALUES (gen_random_uuid(), 'market.tick', 'market', $1)", [
        JSON.stringify({ time, prices: [{ symbol: 'BTC', price: '20', source: 'test' }, { symbol: 'ZEROX', price: '10', source: 'test' }] }),
      ]);
      await platform.analysis!.runtime.catchUpEvents();
      expect(await lastError()).toBe('division by zero');
    } finally {
      await bus.end();
    }
    // ZEROX is untracked: it will not evaluate again to clear the error, which is the strategy's no longer.
    expect((await send(platform.gatewayUrl, UntrackAssetDocument, { symbol: 'ZEROX' }, admin.accessToken)).data?.untrackAsset).toBe(true);
    await platform.analysis!.runtime.catchUpEvents();
    expect(await lastError()).toBeNull();
  });

  it('take imported closes in as history: no ON_CLOSE strategy fires at them, however recent', async () => {
    // An asset no round prices: the imported candles are all its series has.
    expect((await send(platform.gatewayUrl, TrackAssetDocument, { symbol: 'IMPX', name: null }, admin.accessToken)).errors).toBeUndefined();
    const input = { ...watching('IMPX'), name: 'At each close', condition: 'price > 0.0', trigger: 'ON_CLOSE' as const, interval: 'H1' as const, cooldownSeconds: 0 };
    const id = (await send(platform.gatewayUrl, CreateStrategyDocument, { input }, user.accessToken)).data!.createStrategy.strategy.id;
    const HOUR = 3_600_000;
    const lastClosed = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
    const csv = ['time,open,high,low,close,volume', ...[2, 1, 0].map((ago) => `${new Date(lastClosed - ago * HOUR).toISOString()},100,110,90,105,1`)].join('\n');
    const imported = await send(platform.gatewayUrl, ImportCandlesDocument, { symbol: 'IMPX', interval: 'H1', csv }, admin.accessToken);
    expect(imported.data?.importCandles.imported).toBe(3);
    const db = platform.analysis!.runtime.orm.em.fork();
    // Taken in (warm-up, backtests) once market's relay has announced them, the last closed at this hour's start...
    await eventually(async () => Number((await db.execute("SELECT count(*) FROM candles WHERE symbol = 'IMPX' AND interval = 'H1'"))[0].count) === 3);
    await platform.analysis!.runtime.catchUpEvents();
    // ...and no alert for any of them.
    expect(Number((await db.execute('SELECT count(*) FROM alerts WHERE strategy_id = ?', [id]))[0].count)).toBe(0);
  });

  it('agree with market when a track and an untrack of one asset cross', async () => {
    expect((await send(platform.gatewayUrl, TrackAssetDocument, { symbol: 'ZZA', name: null }, admin.accessToken)).errors).toBeUndefined();
    for (let round = 0; round < 10; round += 1) {
      const answers = await Promise.all([
        send(platform.gatewayUrl, TrackAssetDocument, { symbol: 'ZZA', name: null }, admin.accessToken),
        send(platform.gatewayUrl, UntrackAssetDocument, { symbol: 'ZZA' }, admin.accessToken),
      ]);
      expect(answers.map((answer) => answer.errors)).toEqual([undefined, undefined]);
      // Whichever came last, market and analysis say the same of it (no round would mend it: none runs here).
      const tracked = (await send(platform.gatewayUrl, AssetsDocument, { search: 'ZZA' }, user.accessToken)).data!.assets.edges.length === 1;
      const watched = await send(platform.gatewayUrl, CreateStrategyDocument, { input: { ...watching('ZZA'), name: `ZZA ${round}` } }, user.accessToken);
      expect({ round, tracked, accepted: codes(watched) }).toEqual({ round, tracked, accepted: tracked ? [] : ['BAD_USER_INPUT'] });
    }
  });

  it('take the newer of two announcements of one asset, whichever reaches the bus first', async () => {
    // Each market replica relays its own outbox, so an announcement may reach the bus after a newer
    // one from another replica; and replicas' clocks differ, so `changedAt` does not order them either.
    const bus = new pg.Client({ connectionString: platform.analysis!.runtime.config.busUrl });
    await bus.connect();
    const announce = (symbol: string, tracked: boolean, version: number, changedAt: string) =>
      bus.query("INSERT INTO bus_events (id, type, source, payload) VALUES (gen_random_uuid(), 'market.asset', 'market', $1)", [JSON.stringify({ symbol, name: symbol, tracked, version, changedAt })]);
    try {
      await announce('ZZB', true, 0, '2026-12-06T10:00:00.000Z');
      // Untracked (version 1), then tracked again (version 2): the track reaches the bus first.
      await announce('ZZB', true, 2, '2026-12-06T10:00:02.000Z');
      await announce('ZZB', false, 1, '2026-12-06T10:00:01.000Z');
      await announce('ZZC', true, 0, '2026-12-06T10:00:00.000Z');
      // Tracked again (version 1), then untracked (version 2) on a replica whose clock is behind: the untrack arrives first.
      await announce('ZZC', false, 2, '2026-12-06T10:00:01.000Z');
      await announce('ZZC', true, 1, '2026-12-06T10:00:05.000Z');
      await platform.analysis!.runtime.catchUpEvents();
    } finally {
      await bus.end();
    }
    expect(codes(await send(platform.gatewayUrl, CreateStrategyDocument, { input: watching('ZZB') }, user.accessToken))).toEqual([]);
    expect(codes(await send(platform.gatewayUrl, CreateStrategyDocument, { input: watching('ZZC') }, user.accessToken))).toEqual(['BAD_USER_INPUT']);
  });
});
