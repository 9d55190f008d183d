import { randomUUID } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { Logger } from '@herck/common';
import { readOrdersConfig, RunningOrders, startOrdersService } from '@herck/orders';
import { codes, send, sendRaw } from './support/graphql-client';
import { PlaceBuyOrderDocument } from './support/operations.generated';
import { TestPlatform, startTestPlatform } from './support/platform';
import { eventually, signUp, SignedUpUser } from './support/users';

let platform: TestPlatform;
let buyer: SignedUpUser;
/** The subgraphs' error lines: the failures these tests cause are logged, and kept out of the test's output. */
const errorLines: string[] = [];
const quiet = (name: string) => new Logger(name, 'error', {}, (line) => void errorLines.push(line));

beforeAll(async () => {
  // Two tries before an event goes to the dead letters: the bus test needs to outlast only those.
  platform = await startTestPlatform({ BUS_MAX_ATTEMPTS: '2' }, { market: {}, orders: {}, analysis: {}, loggers: { orders: quiet('orders'), analysis: quiet('analysis'), gateway: quiet('gateway') } });
  buyer = await signUp(platform);
  await eventually(async () => Boolean(platform.orders!.prices.price('BTC')), 30_000);
}, 120_000);
afterAll(async () => platform?.stop(), 60_000);

const placeOrder = (gatewayUrl: string, idempotencyKey: string = randomUUID()) =>
  send(gatewayUrl, PlaceBuyOrderDocument, { input: { idempotencyKey, asset: 'BTC', currency: 'USD', amount: '25.00' } }, buyer.accessToken);

async function withDatabase<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/**
 * A TCP proxy to the test PostgreSQL that, once armed, cuts the next connection to send a BEGIN:
 * the database dropping a pooled connection just as a transaction starts on it (a restart, a
 * failover, pg_terminate_backend), which no pool can rule out.
 */
class BeginCutter {
  private armed = false;
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;

  constructor(target: URL) {
    this.server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => this.sockets.delete(socket));
      }
      client.on('data', (chunk: Buffer) => {
        if (this.armed && chunk.includes('BEGIN')) {
          this.armed = false;
          client.destroy();
          upstream.destroy();
          return;
        }
        upstream.write(chunk);
      });
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  async listen(serverUrl: string): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const url = new URL(serverUrl);
    url.hostname = '127.0.0.1';
    url.port = String((this.server.address() as net.AddressInfo).port);
    return url.toString();
  }

  arm(): void {
    this.armed = true;
  }

  get isArmed(): boolean {
    return this.armed;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('a connection the database drops as a transaction begins on it', () => {
  it('fails the mutation with SERVICE_UNAVAILABLE, not INTERNAL_SERVER_ERROR, and writes nothing: the same key then places the order once', async () => {
    // knex hands the transaction out although its BEGIN failed, and the first statement in it then
    // fails with "Transaction query already complete": that was masked as an internal error.
    const serverUrl = process.env.DATABASE_URL!;
    const cutter = new BeginCutter(new URL(serverUrl));
    let replica: RunningOrders | undefined;
    try {
      // An orders replica whose store is reached through the proxy, and a gateway sending it the orders.
      replica = await startOrdersService(readOrdersConfig({ ...platform.env, DATABASE_URL: await cutter.listen(serverUrl), ORDERS_PORT: '0' }), quiet('orders'));
      const gateway = await platform.startGateway({ ORDERS_URL: replica.url });
      // The replica's bus consumer and outbox relay begin transactions of their own: the cut may land on
      // one of those (the order then goes through); armed again until it lands on an order's.
      let cut: Awaited<ReturnType<typeof placeOrder>> | undefined;
      let idempotencyKey = '';
      for (let attempt = 0; attempt < 50 && !cut; attempt += 1) {
        idempotencyKey = randomUUID();
        cutter.arm();
        const answer = await placeOrder(gateway.url, idempotencyKey);
        if (answer.errors) cut = answer;
        else expect(cutter.isArmed).toBe(false);
      }
      expect(cut).toBeDefined();
      expect({ data: cut!.data ?? null, codes: codes(cut!) }).toEqual({ data: null, codes: ['SERVICE_UNAVAILABLE'] });
      const stored = () =>
        withDatabase(platform.orders!.runtime.config.databaseUrl, async (client) => (await client.query('SELECT count(*)::int AS n FROM orders WHERE idempotency_key = $1', [idempotencyKey])).rows[0].n as number);
      expect(await stored()).toBe(0);
      // The replica recovers by itself: the same key now places the order, once.
      const retried = await placeOrder(gateway.url, idempotencyKey);
      expect(retried.errors).toBeUndefined();
      expect(await stored()).toBe(1);
    } finally {
      await replica?.stop();
      await cutter.close();
    }
  }, 120_000);
});

describe('a consumer whose store drops its connection while it applies an event', () => {
  it('tries the event again until the store holds, applying it once: no lost connection sends it to the dead letters', async () => {
    // Analysis's store kills the connection recording a fill (a trigger terminating its own backend),
    // more times than BUS_MAX_ATTEMPTS (2 here): each was counted as the event failing, and the
    // order's transaction was given up as a dead letter and never reached the portfolio.
    const analysisDb = platform.analysis!.runtime.config.databaseUrl;
    await dropConnectionsRecordingFills(analysisDb);
    try {
      const placed = await placeOrder(platform.gatewayUrl);
      expect(placed.errors).toBeUndefined();
      await withDatabase(analysisDb, async (client) => {
        // Dropped more times than the event may fail (or, as before, given up on).
        await eventually(async () => {
          const { rows } = await client.query("SELECT last_value::int AS drops, is_called FROM test_dropped_connections");
          return (rows[0].is_called && rows[0].drops > 3) || (await deadLetters(client)) > 0;
        }, 60_000);
        expect(await deadLetters(client)).toBe(0);
        await client.query('DROP TRIGGER test_drop_connection ON applied_fills');
      });
      const orderId = placed.data!.placeBuyOrder.id;
      const sourcesInPortfolio = async () => {
        const portfolios = await sendRaw<{ portfolios: { id: string; isDefault: boolean }[] }>(platform.gatewayUrl, { query: '{ portfolios { id isDefault } }' }, buyer.accessToken);
        const portfolio = portfolios.data?.portfolios.find((candidate) => candidate.isDefault);
        if (!portfolio) return [];
        const listed = await sendRaw<{ transactions: { nodes: { sourceId: string | null }[] } }>(
          platform.gatewayUrl,
          { query: 'query ($id: ID!) { transactions(portfolioId: $id, first: 100) { nodes { sourceId } } }', variables: { id: portfolio.id } },
          buyer.accessToken,
        );
        return listed.data!.transactions.nodes.map((node) => node.sourceId).filter((sourceId) => sourceId === orderId);
      };
      await eventually(async () => (await sourcesInPortfolio()).length > 0, 30_000);
      expect(await sourcesInPortfolio()).toEqual([orderId]);
      await withDatabase(analysisDb, async (client) => expect(await deadLetters(client)).toBe(0));
    } finally {
      await stopDroppingConnections(analysisDb);
    }
  }, 120_000);

  it('still gives up on an event that makes the store drop the connection every time, after ten times its attempts', async () => {
    // A poison event: sound handling never gets past it, and retried for ever it would hold the consumer up.
    const analysisDb = platform.analysis!.runtime.config.databaseUrl;
    const before = await withDatabase(analysisDb, deadLetters);
    await dropConnectionsRecordingFills(analysisDb);
    try {
      expect((await placeOrder(platform.gatewayUrl)).errors).toBeUndefined();
      await withDatabase(analysisDb, async (client) => {
        await eventually(async () => (await deadLetters(client)) > before, 90_000);
        const { rows } = await client.query("SELECT attempts FROM bus_dead_letters WHERE type = 'orders.filled' ORDER BY position DESC LIMIT 1");
        // BUS_MAX_ATTEMPTS is 2 here: twenty losses of the store, each a try.
        expect(rows[0]).toMatchObject({ attempts: 20 });
      });
    } finally {
      await stopDroppingConnections(analysisDb);
    }
  }, 120_000);
});

const deadLetters = (client: pg.Client) => client.query('SELECT count(*)::int AS n FROM bus_dead_letters').then(({ rows }) => rows[0].n as number);

/** Analysis's store ends the connection that records an order's fill (a trigger terminating its own backend), counting the drops. */
async function dropConnectionsRecordingFills(analysisDb: string): Promise<void> {
  await withDatabase(analysisDb, async (client) => {
    await client.query('CREATE SEQUENCE IF NOT EXISTS test_dropped_connections');
    await client.query(`CREATE OR REPLACE FUNCTION test_drop_connection() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM nextval('test_dropped_connections'); PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$`);
    await client.query('CREATE TRIGGER test_drop_connection BEFORE INSERT ON applied_fills FOR EACH ROW EXECUTE FUNCTION test_drop_connection()');
  });
}

async function stopDroppingConnections(analysisDb: string): Promise<void> {
  await withDatabase(analysisDb, (client) => client.query('DROP TRIGGER IF EXISTS test_drop_connection ON applied_fills'));
}
