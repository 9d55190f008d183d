import net from 'node:net';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { Logger } from '@herck/common';
import { RunningGateway } from '@herck/gateway';
import { RunningMarket } from '@herck/market';
import { codes, send } from './support/graphql-client';
import { CreateStrategyDocument, TrackAssetDocument, UntrackAssetDocument } from './support/operations.generated';
import { TestPlatform, startTestPlatform } from './support/platform';
import { adminEnv, eventually, logInAdmin, signUp, SignedUpUser } from './support/users';
import { freePort } from './support/free-port';

/** Ticks of every tracked symbol, with every field: a few kilobytes per round. */
const ALL_TICKS = 'subscription { ticks { symbol price quoteCurrency volume24h marketCap percentChange1h percentChange24h source time asset { symbol name } } }';
const TICKS = 'subscription { ticks(symbols: ["BTC","ETH"]) { symbol price time } }';

interface Tick {
  symbol: string;
  time: string;
}

let platform: TestPlatform;
let market: RunningMarket;
let user: SignedUpUser;
const cleanUps: (() => unknown)[] = [];
/** What the gateways of this file logged (info and above). */
const gatewayLog: { level: string; msg: string; [field: string]: unknown }[] = [];
const logged = (msg: string) => gatewayLog.filter((entry) => entry.msg === msg);

beforeAll(async () => {
  // A fixed port, so a market started again is where the gateway's MARKET_URL points.
  platform = await startTestPlatform({ ...adminEnv('live-resilience-admin@example.com'), MARKET_INTERVAL_SECONDS: '1', MARKET_PORT: String(await freePort()) }, {
    market: {},
    analysis: {},
    loggers: { gateway: new Logger('gateway', 'info', {}, (line) => void gatewayLog.push(JSON.parse(line))) },
  });
  market = platform.market!;
  await eventually(async () => market.snapshot.time !== null, 30_000);
  user = await signUp(platform);
}, 120_000);
afterAll(async () => {
  for (const cleanUp of cleanUps) await cleanUp();
  await platform?.stop();
}, 60_000);

/**
 * Stands where a stopped subgraph was: drops every connection (the gateway's attempts fail as against a
 * dead service) until `count` of them were WebSocket handshakes, the gateway's reconnect attempts, then
 * frees the port. Other connections (an HTTP probe of the subgraph) are dropped without counting: counted,
 * they left the gateway's backoff shorter than the test reckons with.
 */
async function refuseConnections(port: number, count: number, timeoutMs = 30_000): Promise<void> {
  let seen = 0;
  const server = net.createServer((socket) => {
    socket.once('data', (request) => {
      if (/^upgrade:\s*websocket/im.test(request.toString('latin1'))) seen += 1;
      socket.destroy();
    });
    socket.once('error', () => undefined);
    socket.setTimeout(5_000, () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  try {
    await eventually(async () => seen >= count, timeoutMs);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/** The time of the market's newest round, in ms. */
const latestRound = () => market.snapshot.time?.getTime() ?? 0;

/** Waits until the market has published `count` more rounds. */
async function rounds(count: number, timeoutMs = 30_000): Promise<void> {
  const from = latestRound();
  let seen = 0;
  let last = from;
  await eventually(async () => {
    if (latestRound() > last) {
      seen += 1;
      last = latestRound();
    }
    return seen >= count;
  }, timeoutMs);
}

/**
 * A client speaking graphql-transport-ws by hand, so the test can stop
 * reading from its TCP socket like a stalled browser tab.
 */
class RawClient {
  readonly socket: WebSocket;
  /** The newest round time seen per subscription id. */
  readonly newest = new Map<string, number>();
  events = 0;
  readonly problems: string[] = [];
  private acknowledged: () => void = () => undefined;
  readonly ready = new Promise<void>((resolve) => (this.acknowledged = resolve));

  constructor(gateway: RunningGateway, accessToken: string) {
    this.socket = new WebSocket(gateway.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    this.socket.on('open', () => this.socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${accessToken}` } })));
    this.socket.on('message', (data) => this.receive(JSON.parse(String(data))));
    this.socket.on('close', (code) => this.problems.push(`closed ${code}`));
  }

  subscribe(id: string, query: string): void {
    this.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
  }

  /** Stops reading: the gateway's writes pile up in the kernel, then in its own buffers. */
  pause(): void {
    (this.socket as any)._socket.pause();
  }

  resume(): void {
    (this.socket as any)._socket.resume();
  }

  private receive(message: { type: string; id?: string; payload?: { data?: { ticks: Tick[] } } }): void {
    if (message.type === 'connection_ack') this.acknowledged();
    else if (message.type === 'ping') this.socket.send(JSON.stringify({ type: 'pong' }));
    else if (message.type === 'next' && message.id) {
      this.events += 1;
      const times = (message.payload?.data?.ticks ?? []).map((tick) => new Date(tick.time).getTime());
      this.newest.set(message.id, Math.max(this.newest.get(message.id) ?? 0, ...times));
    } else if (message.type === 'error' || message.type === 'complete') this.problems.push(`${message.type} ${JSON.stringify(message)}`);
  }
}

describe('slow graphql-ws consumers', () => {
  it('keeps a stalled connection to its queue bound, conflates its ticks and counts the drops, then delivers the newest round', async () => {
    const bound = 20;
    // Many identical subscriptions on one connection (one execution per round between them) fill the kernel's socket buffers within seconds.
    const subscriptions = 250;
    const gateway = await platform.startGateway({
      WS_MAX_QUEUED_EVENTS: String(bound),
      WS_MAX_BUFFERED_BYTES: String(256 * 1024),
      WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: String(subscriptions),
    });
    const client = new RawClient(gateway, user.accessToken);
    cleanUps.push(() => client.socket.terminate());
    await client.ready;
    for (let id = 0; id < subscriptions; id += 1) client.subscribe(String(id), ALL_TICKS);
    await eventually(async () => client.problems.length > 0 || client.newest.size === subscriptions, 30_000);
    expect(client.problems).toEqual([]);

    const before = { stats: gateway.live(), rss: process.memoryUsage().rss, warnings: logged('slow graphql-ws client: events dropped').length };
    const pausedAt = Date.now();
    client.pause();
    let largestQueue = 0;
    let largestRss = before.rss;
    const sample = setInterval(() => {
      largestQueue = Math.max(largestQueue, gateway.live().largestConnectionQueue);
      largestRss = Math.max(largestRss, process.memoryUsage().rss);
    }, 50);
    cleanUps.push(() => clearInterval(sample));
    try {
      // Ticks are merged once the bound is reached; keep going a few rounds past it.
      await eventually(async () => gateway.live().conflatedEvents > before.stats.conflatedEvents, 20_000);
      await rounds(2);
    } finally {
      clearInterval(sample);
    }
    const stalled = gateway.live();
    expect(largestQueue).toBeGreaterThan(0);
    // The bound, and past it at most one newest round per subscription.
    expect(largestQueue).toBeLessThanOrEqual(bound + subscriptions);
    expect(stalled.droppedEvents).toBeGreaterThan(before.stats.droppedEvents);
    expect(stalled.conflatedEvents).toBeGreaterThan(0);
    // Generous: the jest process holds the whole platform; unbounded queues of 250 subscriptions would grow far beyond it.
    expect(largestRss - before.rss).toBeLessThan(200 * 1024 * 1024);
    // Logged per connection at most every 5 s, not per event.
    const warnings = logged('slow graphql-ws client: events dropped').slice(before.warnings);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.length).toBeLessThanOrEqual(Math.ceil((Date.now() - pausedAt) / 5_000) + 1);
    expect(warnings[0]).toMatchObject({ level: 'warn', dropped: expect.any(Number), conflated: expect.any(Number), client: expect.any(String) });

    const newestAtResume = latestRound();
    client.resume();
    // Every subscription has the newest round: merged into its last unsent event, or queued as its one event past the bound.
    const current = () => [...Array(subscriptions).keys()].filter((id) => (client.newest.get(String(id)) ?? 0) >= newestAtResume).length;
    await eventually(async () => current() === subscriptions, 30_000);
    expect(client.problems).toEqual([]);
    await eventually(async () => gateway.live().queuedEvents === 0, 15_000);
    client.socket.close();
    await eventually(async () => gateway.live().upstreamSubscriptions === 0, 15_000);
  }, 120_000);
});

describe('a client that sends but does not read', () => {
  it('is cut once the answers it leaves unread pass the bound, instead of growing the gateway', async () => {
    // 8 × 64 KiB is below the 8 MiB floor: the bound is 8 MiB.
    const gateway = await platform.startGateway({ WS_MAX_BUFFERED_BYTES: String(64 * 1024) });
    const client = new RawClient(gateway, user.accessToken);
    cleanUps.push(() => client.socket.terminate());
    await client.ready;
    client.pause();
    // Up to 36 MB of pings, each answered with a pong as large that the client never reads.
    const ping = JSON.stringify({ type: 'ping', payload: { pad: 'x'.repeat(90 * 1024) } });
    for (let sent = 0; sent < 400 && gateway.live().connections > 0; sent += 1) {
      client.socket.send(ping);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await eventually(async () => gateway.live().connections === 0, 20_000);
    expect(logged('graphql-ws client does not read what it asks for; connection cut')).toEqual([expect.objectContaining({ level: 'warn', unsentBytes: expect.any(Number) })]);
    expect(logged('graphql-ws message handling failed')).toEqual([]);
  }, 60_000);
});

describe('a subgraph restart', () => {
  it('keeps client subscriptions open while market is down and resumes them when it is back', async () => {
    const events: number[] = [];
    const problems: string[] = [];
    const client: Client = createClient({ url: platform.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { Authorization: `Bearer ${user.accessToken}` } });
    cleanUps.push(() => client.dispose());
    client.subscribe<{ ticks: Tick[] }>(
      { query: TICKS },
      {
        next: (event) => {
          if (event.errors) problems.push(JSON.stringify(event.errors));
          for (const tick of event.data?.ticks ?? []) events.push(new Date(tick.time).getTime());
        },
        error: (error) => problems.push(`error ${JSON.stringify(error)}`),
        complete: () => problems.push('complete'),
      },
    );
    await eventually(async () => events.length > 0, 30_000);

    const url = market.url;
    await market.stop();
    const lastBeforeStop = Math.max(...events);
    // The gateway keeps trying (with backoff) while nothing answers there.
    await refuseConnections(Number(new URL(url).port), 3);
    expect(problems).toEqual([]);
    market = await platform.startMarketReplica();
    expect(market.url).toBe(url);
    await eventually(async () => Math.max(...events) > lastBeforeStop, 60_000);
    expect(problems).toEqual([]);
    expect(platform.gateway.live()).toMatchObject({ upstreamSubscriptions: 1, sharedSubscriptions: 1 });
    // The events came back over a new upstream connection, not a surviving one.
    expect(logged('upstream graphql-ws connection lost; reconnecting').length).toBeGreaterThan(0);
    expect(logged('upstream graphql-ws connection restored; open subscriptions resubscribed').length).toBeGreaterThan(0);
  }, 120_000);

  it('sends an open alerts subscription, once each, the alerts analysis raised after a restart before the gateway was back', async () => {
    const alerts: string[] = [];
    const problems: string[] = [];
    const client: Client = createClient({ url: platform.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { Authorization: `Bearer ${user.accessToken}` } });
    cleanUps.push(() => client.dispose());
    client.subscribe<{ alerts: { id: string } }>(
      { query: 'subscription { alerts { id symbol } }' },
      {
        next: (event) => (event.errors ? problems.push(JSON.stringify(event.errors)) : alerts.push(event.data!.alerts.id)),
        error: (error) => problems.push(`error ${JSON.stringify(error)}`),
        complete: () => problems.push('complete'),
      },
    );
    const once = (name: string) => ({ name, symbols: ['BTC'], interval: 'M1' as const, indicators: [], condition: 'price > 0.0', trigger: 'ONCE' as const, cooldownSeconds: 0, channels: { inApp: true, email: false, webhookUrl: null } });
    // A first alert through the subscription: it runs at analysis.
    expect(codes(await send(platform.gatewayUrl, CreateStrategyDocument, { input: once('Before the restart') }, user.accessToken))).toEqual([]);
    await eventually(async () => alerts.length === 1, 20_000);
    const port = Number(new URL(platform.analysis!.url).port);
    // Four reconnects refused while analysis is down: the gateway's next attempt is 8 to 10 s later, time enough
    // for analysis to start and raise an alert (counted with HTTP probes among them, it came sooner and once did not).
    const analysis = await platform.restartAnalysis(() => refuseConnections(port, 4));
    const restored = () => logged('upstream graphql-ws connection restored; open subscriptions resubscribed').length;
    const restoredBefore = restored();
    expect(codes(await send(platform.gatewayUrl, CreateStrategyDocument, { input: once('Right after the restart') }, user.accessToken))).toEqual([]);
    let stored: string | undefined;
    await eventually(async () => {
      [stored] = (await analysis.runtime.orm.em.fork().execute<{ id: string }[]>("SELECT alerts.id FROM alerts JOIN strategies ON strategies.id = alerts.strategy_id WHERE strategies.name = 'Right after the restart' AND alerts.owner_id = ?", [user.accountId])).map((row) => row.id);
      return stored !== undefined;
    }, 20_000);
    // Raised before the gateway subscribed again (the case this test is for), it still arrives, once.
    expect(restored()).toBe(restoredBefore);
    await eventually(async () => restored() > restoredBefore, 30_000);
    await eventually(async () => alerts.length > 1, 10_000);
    await rounds(2);
    expect({ alerts: alerts.slice(1), problems }).toEqual({ alerts: [stored], problems: [] });
  }, 120_000);

  it('keeps a subscription naming an asset untracked since it opened, through the restart, and resumes its ticks once the asset is tracked again', async () => {
    const admin = await logInAdmin(platform);
    const ticks: Tick[] = [];
    const problems: string[] = [];
    const client: Client = createClient({ url: platform.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { Authorization: `Bearer ${user.accessToken}` } });
    cleanUps.push(() => client.dispose());
    const sink = (into: Tick[], problemsOf: string[]) => ({
      next: (event: { data?: { ticks: Tick[] } | null; errors?: unknown }) => {
        if (event.errors) problemsOf.push(JSON.stringify(event.errors));
        into.push(...(event.data?.ticks ?? []));
      },
      error: (error: unknown) => problemsOf.push(`error ${JSON.stringify(error)}`),
      complete: () => problemsOf.push('complete'),
    });
    client.subscribe<{ ticks: Tick[] }>({ query: TICKS }, sink(ticks, problems));
    const after = (symbol: string, time: number) => ticks.some((tick) => tick.symbol === symbol && Date.parse(tick.time) > time);
    await eventually(async () => after('ETH', 0), 30_000);
    expect(codes(await send(platform.gatewayUrl, UntrackAssetDocument, { symbol: 'ETH' }, admin.accessToken))).toEqual([]);

    await market.stop();
    market = await platform.startMarketReplica();
    const restarted = Date.now();
    // Resubscribed after the restart: BTC goes on, and nothing ended the subscription that names ETH.
    await eventually(async () => after('BTC', restarted), 60_000);
    expect(problems).toEqual([]);
    // A new subscription naming the untracked asset is still refused, as before the restart.
    const refused: string[] = [];
    client.subscribe<{ ticks: Tick[] }>({ query: 'subscription { ticks(symbols: ["ETH"]) { symbol price time } }' }, sink([], refused));
    await eventually(async () => refused.includes('complete'));
    expect(refused[0]).toContain('NOT_FOUND');

    expect(codes(await send(platform.gatewayUrl, TrackAssetDocument, { symbol: 'ETH' }, admin.accessToken))).toEqual([]);
    const tracked = Date.now();
    await eventually(async () => after('ETH', tracked), 30_000);
    expect(problems).toEqual([]);
  }, 120_000);
});
