import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { arrayParameter, databaseUrl, dropDatabase, ensureDatabase, Logger, openOrm, Orm, OutboxMessage, SharedRead, sharedRead } from '../src';

const serverUrl = process.env.DATABASE_URL!;
const name = `test_shared_reads_${randomBytes(4).toString('hex')}`;
let orm: Orm;

interface Item {
  owner_id: string;
  label: string;
}

/** Items by owner, counting the statements it sends and the keys each carried. */
function countedRead(): SharedRead<Item, { label?: string } | undefined> & { statements: string[][] } {
  const statements: string[][] = [];
  return {
    statements,
    run: (em, owners, params) => {
      statements.push(owners);
      const label = params?.label;
      return em.execute<Item[]>(`SELECT owner_id::text, label FROM items WHERE owner_id = ANY(?::uuid[]) ${label ? 'AND label = ?' : ''} ORDER BY label`, [
        arrayParameter(owners),
        ...(label ? [label] : []),
      ]);
    },
    keyOf: (row) => row.owner_id,
    variant: (params) => params?.label ?? '',
  };
}

const ann = randomUUID();
const bob = randomUUID();
const cy = randomUUID();

beforeAll(async () => {
  await ensureDatabase(serverUrl, name);
  orm = await openOrm({ url: databaseUrl(serverUrl, name), entities: [OutboxMessage], migrations: [], logger: new Logger('test', 'error'), poolSize: 4 });
  const em = orm.em.fork();
  await em.execute('CREATE TABLE items (owner_id uuid NOT NULL, label text NOT NULL)');
  await em.execute("INSERT INTO items VALUES (?, 'a1'), (?, 'a2'), (?, 'b1')", [ann, ann, bob]);
});

afterAll(async () => {
  await orm?.close();
  await dropDatabase(serverUrl, name);
});

const fresh = (): EntityManager => orm.em.fork() as unknown as EntityManager;
const labels = (items: Item[]) => items.map((item) => item.label);

it('answers the lookups of one round with one statement, each caller with the rows of its own keys', async () => {
  const read = countedRead();
  const [ofAnn, ofBob, ofBoth, ofCy] = await Promise.all([
    sharedRead(fresh(), read, [ann]),
    sharedRead(fresh(), read, [bob.toUpperCase()]),
    sharedRead(fresh(), read, [bob, ann]),
    sharedRead(fresh(), read, [cy]),
  ]);
  expect(read.statements).toHaveLength(1);
  expect(new Set(read.statements[0])).toEqual(new Set([ann, bob, cy]));
  expect(labels(ofAnn)).toEqual(['a1', 'a2']);
  expect(labels(ofBob)).toEqual(['b1']);
  expect(labels(ofBoth)).toEqual(['a1', 'a2', 'b1']);
  expect(ofCy).toEqual([]);
});

it('gives every caller copies of the shared rows', async () => {
  const read = countedRead();
  const [first, second] = await Promise.all([sharedRead(fresh(), read, [bob]), sharedRead(fresh(), read, [bob])]);
  first[0]!.label = 'changed by the first';
  expect(second[0]!.label).toBe('b1');
  expect(read.statements).toHaveLength(1);
});

it('shares a statement only between reads of the same variant of their parameters', async () => {
  const read = countedRead();
  const [a1, a2, all] = await Promise.all([
    sharedRead(fresh(), read, [ann], { label: 'a1' }),
    sharedRead(fresh(), read, [ann], { label: 'a2' }),
    sharedRead(fresh(), read, [ann], undefined),
  ]);
  expect(read.statements).toHaveLength(3);
  expect([labels(a1), labels(a2), labels(all)]).toEqual([['a1'], ['a2'], ['a1', 'a2']]);
});

it('never joins a statement already sent: a lookup made after it sees what was committed since', async () => {
  const read = countedRead();
  const before = sharedRead(fresh(), read, [cy]);
  // Once the first statement has gone out (the round is over), a row is committed, then asked for.
  await new Promise((resolve) => setImmediate(resolve));
  expect(read.statements).toHaveLength(1);
  await fresh().execute("INSERT INTO items VALUES (?, 'c1')", [cy]);
  const after = await sharedRead(fresh(), read, [cy]);
  expect(read.statements).toHaveLength(2);
  expect(labels(after)).toEqual(['c1']);
  await before;
});

it('reads inside the caller’s transaction on its own, seeing what that transaction wrote', async () => {
  const read = countedRead();
  const owner = randomUUID();
  await fresh().transactional(async (tx) => {
    await tx.execute("INSERT INTO items VALUES (?, 'uncommitted')", [owner]);
    const [inside, outside] = await Promise.all([sharedRead(tx as unknown as EntityManager, read, [owner]), sharedRead(fresh(), read, [owner])]);
    expect(labels(inside)).toEqual(['uncommitted']);
    expect(outside).toEqual([]);
    throw new Error('rolled back');
  }).catch((error: Error) => expect(error.message).toBe('rolled back'));
  expect(read.statements).toHaveLength(2);
});

it('fails every caller of a statement that fails, and the next round reads afresh', async () => {
  let fail = true;
  const read: SharedRead<Item> = {
    // Thrown before any promise: the callers' answers, not an uncaught exception.
    run: (em, owners) => {
      if (fail) throw new Error('the database went away');
      return em.execute<Item[]>('SELECT owner_id::text, label FROM items WHERE owner_id = ANY(?::uuid[])', [arrayParameter(owners)]);
    },
    keyOf: (row) => row.owner_id,
  };
  const outcomes = await Promise.allSettled([sharedRead(fresh(), read, [ann]), sharedRead(fresh(), read, [bob])]);
  expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
  fail = false;
  expect(labels(await sharedRead(fresh(), read, [bob]))).toEqual(['b1']);
});

it('sends a round asking for more keys than one statement takes as several statements', async () => {
  const read = countedRead();
  const owners = Array.from({ length: 501 }, () => randomUUID());
  const answers = await Promise.all([...owners.map((owner) => sharedRead(fresh(), read, [owner])), sharedRead(fresh(), read, [ann])]);
  expect(read.statements.map((keys) => keys.length)).toEqual([500, 2]);
  expect(labels(answers.at(-1)!)).toEqual(['a1', 'a2']);
});

it('runs a shared statement on a manager of its own, never on a caller’s, whose transaction it could join', async () => {
  const callers = [fresh(), fresh()];
  const runners: EntityManager[] = [];
  const read: SharedRead<Item> = {
    run: (em, owners) => {
      runners.push(em);
      return em.execute<Item[]>('SELECT owner_id::text, label FROM items WHERE owner_id = ANY(?::uuid[])', [arrayParameter(owners)]);
    },
    keyOf: (row) => row.owner_id,
  };
  await Promise.all(callers.map((caller) => sharedRead(caller, read, [ann])));
  expect(runners).toHaveLength(1);
  expect(callers).not.toContain(runners[0]);
  expect(runners[0]!.isInTransaction()).toBe(false);
});
