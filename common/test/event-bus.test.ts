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
} from '../src';
import { busTablesMigration } from '../src/bus/bus-tables.migration';
import { OutboxRelay } from '../src/bus/outbox-relay';

class ReceivedTable extends Migration {
  override up(): void {
    this.addSql('CREATE TABLE received (event_id uuid PRIMARY KEY, type text NOT NULL, n integer NOT NULL)');
  }
}

const serverUrl = process.env.DATABASE_URL!;
const prefix = `test_bus_${randomBytes(4).toString('hex')}`;
const logger = new Logger('test', 'error');
const migrations = [busTablesMigration, { name: 'Migration99990000000000_received', class: ReceivedTable }];
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
