import { randomBytes } from 'node:crypto';
import { Migration } from '@mikro-orm/migrations';
import pg from 'pg';
import {
  BusConsumer,
  databaseUrl,
  dropDatabase,
  ensureBusSchema,
  ensureDatabase,
  Logger,
  openOrm,
  Orm,
  OutboxMessage,
  BusEvent,
  until,
} from '../src';
import { busTablesMigration } from '../src/bus/bus-tables.migration';
import { busDeadLettersMigration } from '../src/bus/bus-dead-letters.migration';
import { OutboxRelay } from '../src/bus/outbox-relay';

class ReceivedTable extends Migration {
  override up(): void {
    this.addSql('CREATE TABLE received (event_id uuid PRIMARY KEY, type text NOT NULL, n integer NOT NULL)');
  }
}

const serverUrl = process.env.DATABASE_URL!;
const prefix = `test_bus_${randomBytes(4).toString('hex')}`;
const logger = new Logger('test', 'error');
const migrations = [busTablesMigration, { name: 'Migration99990000000000_received', class: ReceivedTable }, busDeadLettersMigration];
let producer: Orm;
let consumerOrm: Orm;
let bus: pg.Pool;
let relay: OutboxRelay;
const busUrl = databaseUrl(serverUrl, `${prefix}_bus`);

beforeAll(async () => {
  for (const name of ['producer', 'consumer', 'bus']) await ensureDatabase(serverUrl, `${prefix}_${name}`);
  producer = await openOrm({ url: databaseUrl(serverUrl, `${prefix}_producer`), entities: [OutboxMessage], migrations, logger });
  consumerOrm = await openOrm({ url: databaseUrl(serverUrl, `${prefix}_consumer`), entities: [OutboxMessage], migrations, logger });
  bus = new pg.Pool({ connectionString: busUrl });
  await ensureBusSchema(bus);
  relay = new OutboxRelay(producer, bus, 'producer', logger, 60_000);
});

afterAll(async () => {
  await relay?.stop();
  await bus?.end();
  await producer?.close();
  await consumerOrm?.close();
  for (const name of ['producer', 'consumer', 'bus']) await dropDatabase(serverUrl, `${prefix}_${name}`);
});

function consumer(): BusConsumer {
  const record = async (event: BusEvent, em: Parameters<Parameters<typeof consumerOrm.em.transactional>[0]>[0]) => {
    await em.execute('INSERT INTO received (event_id, type, n) VALUES (?, ?, ?)', [event.id, event.type, event.payload.n]);
  };
  return new BusConsumer('test-consumer', consumerOrm, bus, busUrl, { 'test.counted': record }, logger, {}, 60_000);
}

async function received(): Promise<{ n: number }[]> {
  return consumerOrm.em.fork().execute('SELECT n FROM received ORDER BY n');
}

describe('outbox → bus → consumer', () => {
  it('delivers committed events once each, in order; a rolled-back change publishes nothing', async () => {
    for (let n = 1; n <= 120; n += 1) {
      await producer.em.fork().transactional(async (em) => {
        em.persist(new OutboxMessage('test.counted', { n }));
      });
    }
    await producer.em
      .fork()
      .transactional(async (em) => {
        em.persist(new OutboxMessage('test.counted', { n: 999 }));
        await em.flush();
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await relay.kick();

    const first = consumer();
    await first.start();
    await first.kick();
    await first.stop();
    const rows = await received();
    expect(rows.map((row) => row.n)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    const [{ count }] = await producer.em.fork().execute('SELECT count(*)::int AS count FROM outbox');
    expect(count).toBe(0);
  });

  it('ignores a duplicate publication and resumes where it stopped after a restart', async () => {
    await producer.em.fork().transactional(async (em) => {
      em.persist(new OutboxMessage('test.counted', { n: 121 }));
    });
    const [pending] = await producer.em.fork().execute('SELECT id FROM outbox');
    await relay.kick();
    // A relay that crashed after publishing but before deleting publishes again: same id, no new event.
    await bus.query(
      `INSERT INTO bus_events (id, type, source, payload) VALUES ($1, 'test.counted', 'producer', '{"n": 121}') ON CONFLICT (id) DO NOTHING`,
      [pending.id],
    );
    const restarted = consumer();
    await restarted.start();
    await restarted.kick();
    await restarted.stop();
    const rows = await received();
    expect(rows).toHaveLength(121);
    expect(rows.at(-1)).toEqual({ n: 121 });
  });

  it('passes over events of types it does not handle in one read, and stands at the newest event', async () => {
    // A bus full of others' events (market's ticks, say) around the one this consumer handles.
    const others = (count: number) =>
      bus.query(`INSERT INTO bus_events (id, type, source, payload) SELECT gen_random_uuid(), 'test.other', 'producer', '{}' FROM generate_series(1, ${count})`);
    await others(1000);
    await bus.query(`INSERT INTO bus_events (id, type, source, payload) VALUES (gen_random_uuid(), 'test.skipped-to', 'producer', '{"n": 1}')`);
    await others(500);
    const applied: number[] = [];
    let batches = 0;
    const skipper = new BusConsumer(
      'test-skipper',
      consumerOrm,
      bus,
      busUrl,
      { 'test.skipped-to': async (event) => void applied.push(Number(event.payload.n)) },
      logger,
      { beforeBatch: async () => (batches += 1) > 0 },
      60_000,
    );
    await skipper.start();
    await skipper.kick();
    await skipper.stop();
    expect(applied).toEqual([1]);
    expect(await skipper.status()).toMatchObject({ lag: 0 });
    // One batch applies the event and moves past the 1,500 others (a batch per hundred events before); the kick's own round finds nothing.
    expect(batches).toBeLessThanOrEqual(3);
  });

  it('wakes a running consumer by notification without waiting for its poll', async () => {
    const live = consumer();
    await live.start();
    await producer.em.fork().transactional(async (em) => {
      em.persist(new OutboxMessage('test.counted', { n: 122 }));
    });
    await relay.kick();
    const deadline = Date.now() + 5_000;
    while ((await received()).length < 122 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await live.stop();
    expect(await received()).toHaveLength(122);
  });
});

describe('dead letters', () => {
  type Em = Parameters<Parameters<typeof consumerOrm.em.transactional>[0]>[0];
  const record = async (event: BusEvent, em: Em) => {
    await em.execute('INSERT INTO received (event_id, type, n) VALUES (?, ?, ?)', [event.id, event.type, event.payload.n]);
  };

  async function publish(...events: [type: string, n: number][]): Promise<string[]> {
    const ids: string[] = [];
    for (const [type, n] of events) {
      await producer.em.fork().transactional(async (em) => {
        const message = new OutboxMessage(type, { n });
        ids.push(message.id);
        em.persist(message);
      });
    }
    await relay.kick();
    return ids;
  }

  /** Kicks until the consumer has caught up with the bus (a failed try ends a round; the next kick retries). */
  async function drain(consumer: BusConsumer): Promise<void> {
    for (let round = 0; round < 20 && (await consumer.status()).lag > 0; round += 1) await consumer.kick();
  }

  it('moves an event that keeps failing to bus_dead_letters after BUS_MAX_ATTEMPTS tries; the others are applied once and the lag reaches 0', async () => {
    const lines: string[] = [];
    const capturing = new Logger('test', 'warn', {}, (line) => lines.push(line));
    let poisonCalls = 0;
    let rollbacks = 0;
    const consumer = new BusConsumer(
      'test-consumer',
      consumerOrm,
      bus,
      busUrl,
      {
        'test.counted': record,
        'test.poison': async (event, em) => {
          poisonCalls += 1;
          // Its effect must not survive the rollback either.
          await record(event, em);
          throw new Error('cannot apply this one');
        },
      },
      capturing,
      { rolledBack: async () => void (rollbacks += 1) },
      60_000,
      3,
    );
    const before = (await received()).length;
    const [, , , poisonId] = await publish(['test.counted', 201], ['test.counted', 202], ['test.counted', 203], ['test.poison', 204], ['test.counted', 205], ['test.counted', 206]);
    expect((await consumer.status()).lag).toBe(6);

    await consumer.start();
    await drain(consumer);
    await consumer.stop();

    expect(poisonCalls).toBe(3);
    expect(rollbacks).toBe(3);
    const rows = await received();
    expect(rows.slice(before).map((row) => row.n)).toEqual([201, 202, 203, 205, 206]);
    const letters = await consumerOrm.em.fork().execute('SELECT consumer, event_id, type, payload, error, attempts, position::text FROM bus_dead_letters');
    expect(letters).toEqual([
      { consumer: 'test-consumer', event_id: poisonId, type: 'test.poison', payload: { n: 204 }, error: 'cannot apply this one', attempts: 3, position: expect.any(String) },
    ]);
    // Its status names the event, the error and the tries, for admins; not the payload.
    const poisoned = { position: expect.stringMatching(/^\d+$/), eventId: poisonId, type: 'test.poison', error: 'cannot apply this one', attempts: 3, failedAt: expect.any(String) };
    expect(await consumer.status()).toEqual({ consumer: 'test-consumer', lag: 0, deadLetters: 1, recentDeadLetters: [poisoned], position: expect.any(String), newest: expect.any(String) });
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged.filter((entry) => entry.level === 'error')).toEqual([
      expect.objectContaining({ msg: 'bus event moved to dead letters', consumer: 'test-consumer', eventId: poisonId, type: 'test.poison', attempts: 3 }),
    ]);
  });

  it('applies an event that fails only for a while exactly once, without a dead letter', async () => {
    let calls = 0;
    const consumer = new BusConsumer(
      'test-consumer',
      consumerOrm,
      bus,
      busUrl,
      {
        'test.counted': record,
        'test.flaky': async (event, em) => {
          calls += 1;
          if (calls < 3) throw new Error('not yet');
          await record(event, em);
        },
      },
      logger,
      {},
      60_000,
      3,
    );
    const before = (await received()).length;
    await publish(['test.flaky', 301], ['test.counted', 302]);
    await consumer.start();
    await drain(consumer);
    await consumer.stop();
    expect(calls).toBe(3);
    expect((await received()).slice(before).map((row) => row.n)).toEqual([301, 302]);
    // Still only the one dead letter of the test before: the flaky event went through.
    expect(await consumer.status()).toMatchObject({ consumer: 'test-consumer', lag: 0, deadLetters: 1, recentDeadLetters: [expect.objectContaining({ type: 'test.poison' })] });
  });
});

describe('relays of several replicas', () => {
  it('publish in the outbox’s order: a relay waits for a batch another holds instead of passing it', async () => {
    const ordered = async () => (await bus.query<{ n: number }>(`SELECT (payload->>'n')::int AS n FROM bus_events WHERE type = 'test.ordered' ORDER BY position`)).rows.map((row) => row.n);
    for (let n = 1; n <= 150; n += 1) {
      await producer.em.fork().transactional(async (em) => {
        em.persist(new OutboxMessage('test.ordered', { n }));
      });
    }
    // Another replica's relay in the middle of its batch: the first hundred events locked, not yet on the bus.
    const other = new pg.Client({ connectionString: databaseUrl(serverUrl, `${prefix}_producer`) });
    await other.connect();
    await other.query('BEGIN');
    await other.query(`SELECT id FROM outbox WHERE type = 'test.ordered' ORDER BY seq LIMIT 100 FOR UPDATE`);
    const second = new OutboxRelay(producer, bus, 'producer', logger, 60_000);
    try {
      const relayed = second.kick();
      const waiting = async () => (await other.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rows[0].n > 0;
      await until(async () => (await waiting()) || (await ordered()).length > 0);
      // Nothing of the later events went ahead of the held ones.
      expect(await ordered()).toEqual([]);
      await other.query('ROLLBACK');
      await relayed;
      expect(await ordered()).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    } finally {
      await other.end();
      await second.stop();
    }
  });
});
