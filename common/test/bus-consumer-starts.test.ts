import { randomBytes } from 'node:crypto';
import { Migration } from '@mikro-orm/migrations';
import pg from 'pg';
import { AdvisoryLease, BusConsumer, BusEvent, databaseUrl, dropDatabase, ensureBusSchema, ensureDatabase, Logger, openOrm, Orm, OutboxMessage, pruneBusEvents, until } from '../src';
import { busTablesMigration } from '../src/bus/bus-tables.migration';
import { busDeadLettersMigration } from '../src/bus/bus-dead-letters.migration';
import { OutboxRelay } from '../src/bus/outbox-relay';

/**
 * A consumer that starts anew: on a database of its own made afresh (it reads the bus from its
 * start again), or as the replica that takes the lease over from one that lost it mid-batch; and
 * one that stands by while another holds the lease.
 */
class ReceivedTable extends Migration {
  override up(): void {
    this.addSql('CREATE TABLE received (event_id uuid PRIMARY KEY, type text NOT NULL, n integer NOT NULL)');
  }
}

const serverUrl = process.env.DATABASE_URL!;
const prefix = `test_bus_starts_${randomBytes(4).toString('hex')}`;
const logger = new Logger('test', 'error');
const migrations = [busTablesMigration, { name: 'Migration99990000000000_received', class: ReceivedTable }, busDeadLettersMigration];
const databases = ['producer', 'old', 'fresh', 'shared', 'standby', 'bus'];
const orms: Orm[] = [];
let bus: pg.Pool;
let producer: Orm;
let relay: OutboxRelay;
const busUrl = databaseUrl(serverUrl, `${prefix}_bus`);

async function open(name: string): Promise<Orm> {
  const orm = await openOrm({ url: databaseUrl(serverUrl, `${prefix}_${name}`), entities: [OutboxMessage], migrations, logger });
  orms.push(orm);
  return orm;
}

beforeAll(async () => {
  for (const name of databases) await ensureDatabase(serverUrl, `${prefix}_${name}`);
  bus = new pg.Pool({ connectionString: busUrl });
  await ensureBusSchema(bus);
  producer = await open('producer');
  relay = new OutboxRelay(producer, bus, 'producer', logger, 60_000);
});

afterAll(async () => {
  await relay?.stop();
  await bus?.end();
  for (const orm of orms) await orm.close();
  for (const name of databases) await dropDatabase(serverUrl, `${prefix}_${name}`);
});

const record = (event: BusEvent, em: Parameters<Parameters<Orm['em']['transactional']>[0]>[0]) =>
  em.execute('INSERT INTO received (event_id, type, n) VALUES (?, ?, ?)', [event.id, event.type, event.payload.n]).then(() => undefined);
const receivedIn = async (orm: Orm) => (await orm.em.fork().execute('SELECT n FROM received')).length;

async function publish(type: string, n: number, createdAt = new Date()): Promise<void> {
  await producer.em.fork().transactional(async (em) => {
    const message = new OutboxMessage(type, { n });
    message.createdAt = createdAt;
    em.persist(message);
  });
  await relay.kick();
}

it('on a database made afresh, holds back the deletion of the events it has yet to read, however far the old one had read', async () => {
  // Three events past their retention (30 days), kept until every consumer has applied them.
  const longAgo = new Date(Date.now() - 40 * 86_400_000);
  for (const n of [1, 2, 3]) await publish('test.kept', n, longAgo);
  const oldStore = await open('old');
  const old = new BusConsumer('keeper', oldStore, bus, busUrl, { 'test.kept': record }, logger, {}, 60_000);
  await old.start();
  await old.stop();
  expect(await receivedIn(oldStore)).toBe(3);

  // The consumer's store is made afresh: it starts at 0, and the retention runs before its first batch.
  const freshStore = await open('fresh');
  let ready = false;
  const fresh = new BusConsumer('keeper', freshStore, bus, busUrl, { 'test.kept': record }, logger, { beforeBatch: async () => ready }, 60_000);
  await fresh.start();
  await pruneBusEvents(bus, { types: ['test.kept'], days: 30, untilConsumed: true }, logger);
  ready = true;
  await fresh.kick();
  await fresh.stop();
  expect(await receivedIn(freshStore)).toBe(3);
});

it('taking the lease over from a leader that lost it mid-batch, loads its memory once that batch has committed', async () => {
  const sharedUrl = databaseUrl(serverUrl, `${prefix}_shared`);
  let releaseFirst!: () => void;
  const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
  let firstStarted = false;
  /** A replica that keeps a count beside the store, as analysis keeps its engine: read from the store when it became leader. */
  const replica = async (holdsTheFirst: boolean) => {
    const orm = await open('shared');
    const state = { memory: 0, stale: true, loaded: false };
    const handler = async (event: BusEvent, em: Parameters<typeof record>[1]) => {
      if (holdsTheFirst && event.payload.n === 1) {
        firstStarted = true;
        await firstHeld;
      }
      await record(event, em);
      state.memory += 1;
    };
    const consumer = new BusConsumer('leased', orm, bus, busUrl, { 'test.leased': handler }, logger, {
      lease: new AdvisoryLease(sharedUrl, 'test:bus:lease', 'consumes', logger),
      becameLeader: () => void (state.stale = true),
      beforeBatch: async () => {
        if (state.stale) [state.memory, state.stale, state.loaded] = [await receivedIn(orm), false, true];
        return true;
      },
    }, 60_000);
    return { orm, state, consumer };
  };
  await publish('test.leased', 1);
  const first = await replica(true);
  const firstRunning = first.consumer.start();
  await until(() => firstStarted);
  // The first leader's lease connection is cut while it applies event 1 (an idle timeout, a network blip).
  const admin = new pg.Client({ connectionString: sharedUrl });
  await admin.connect();
  try {
    await admin.query(
      `SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()`,
    );
    await publish('test.leased', 2);
    const second = await replica(false);
    const secondRunning = second.consumer.start();
    // The second takes the lease and waits for the position's lock, which the first holds.
    await until(async () => (await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rows[0].n > 0, 10_000);
    releaseFirst();
    await firstRunning;
    await secondRunning;
    await second.consumer.kick();
    expect(await receivedIn(second.orm)).toBe(2);
    expect(second.state).toMatchObject({ loaded: true, memory: 2 });
    await first.consumer.stop();
    await second.consumer.stop();
  } finally {
    await admin.end();
  }
});

it('standing by, waits for the lease holder to apply what was published before it was asked to catch up', async () => {
  const standbyUrl = databaseUrl(serverUrl, `${prefix}_standby`);
  let releaseLeader!: () => void;
  const leaderHeld = new Promise<void>((resolve) => (releaseLeader = resolve));
  const orm = await open('standby');
  const replica = (holds: boolean) =>
    new BusConsumer('standing-by', orm, bus, busUrl, { 'test.standby': async (event, em) => (holds && (await leaderHeld), record(event, em)) }, logger, {
      lease: new AdvisoryLease(standbyUrl, 'test:bus:standby', 'consumes', logger),
    }, 60_000);
  const leader = replica(true);
  await leader.start();
  const standby = replica(false);
  await standby.start();
  await publish('test.standby', 1);
  const waiting = standby.caughtUp(10_000).then(() => 'caught up');
  // The leader is still applying the event (it resolved at once before, after one look at the lease).
  expect(await Promise.race([waiting, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 300))])).toBe('still waiting');
  releaseLeader();
  expect(await waiting).toBe('caught up');
  expect(await receivedIn(orm)).toBe(1);
  await leader.stop();
  await standby.stop();
});

it('holds its lease on a connection whose server drops it within seconds once its host is gone', async () => {
  const lease = new AdvisoryLease(databaseUrl(serverUrl, `${prefix}_standby`), 'test:bus:keepalive', 'consumes', logger);
  try {
    expect(await lease.isLeader()).toBe(true);
    // The lock is the server's: its own keep-alive ends the session of a leader that vanished (not after two hours).
    const client = (lease as unknown as { client: pg.Client }).client;
    const settings = await client.query<{ name: string; setting: string }>("SELECT name, setting FROM pg_settings WHERE name LIKE 'tcp_keepalives_%' ORDER BY name");
    expect(Object.fromEntries(settings.rows.map((row) => [row.name, row.setting]))).toEqual({ tcp_keepalives_count: '3', tcp_keepalives_idle: '10', tcp_keepalives_interval: '5' });
  } finally {
    await lease.release();
  }
});
