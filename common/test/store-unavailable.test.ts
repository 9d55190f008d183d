import { randomBytes } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { databaseUrl, dropDatabase, ensureDatabase, isStoreUnavailable, Logger, openOrm, Orm, OutboxMessage } from '../src';

const serverUrl = process.env.DATABASE_URL!;
const name = `test_store_${randomBytes(4).toString('hex')}`;
let orm: Orm;

beforeAll(async () => {
  await ensureDatabase(serverUrl, name);
  orm = await openOrm({ url: databaseUrl(serverUrl, name), entities: [OutboxMessage], migrations: [], logger: new Logger('test', 'error') });
});
afterAll(async () => {
  await orm?.close();
  await dropDatabase(serverUrl, name);
});

describe('isStoreUnavailable', () => {
  // A BEGIN on a connection the database just dropped is raised as the lost connection: store-outages.e2e (a proxy cuts it).
  it('says a transaction used after its end is no outage: a bug stays an internal error', async () => {
    let finished: EntityManager | undefined;
    await orm.em.fork().transactional(async (tx) => void (finished = tx as EntityManager));
    const failure = await finished!.execute('SELECT 1').catch((error: unknown) => error);
    expect(String(failure)).toMatch(/Transaction query already complete/);
    expect(isStoreUnavailable(failure)).toBe(false);
  });
});
