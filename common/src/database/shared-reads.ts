import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * One kind of read by UUID that concurrent requests may share: its statement
 * for many keys at once, and the key of each row it gives. `Params` are the
 * rest of the statement (a page's size, say): only reads with the same
 * `variant` of them share a statement.
 */
export interface SharedRead<Row, Params = undefined> {
  run(em: EntityManager, keys: string[], params: Params): Promise<Row[]>;
  keyOf(row: Row): string;
  variant?(params: Params): string;
}

/**
 * The rows of `keys`, read with the keys that other requests ask for at the
 * same moment: every lookup made while the event loop handles one round of
 * arrivals goes out as one statement once that round is over (setImmediate),
 * and each request gets back the rows of its own keys. A loaded subgraph sees
 * two or three such lookups a round (bench:gateway), each a statement before.
 *
 * A request never joins a statement already sent: what it reads starts after
 * it arrived, so it sees every write committed before. Inside a transaction
 * the read is the caller's own (its snapshot, its locks).
 */
export function sharedRead<Row, Params = undefined>(em: EntityManager, read: SharedRead<Row, Params>, keys: readonly string[], params?: Params): Promise<Row[]> {
  const asked = [...new Set(keys.map((key) => key.toLowerCase()))];
  if (!asked.length) return Promise.resolve([]);
  if (em.isInTransaction()) return read.run(em, asked, params as Params);
  const batch = pendingBatch(em, read as SharedRead<unknown, unknown>, params);
  for (const key of asked) batch.keys.add(key);
  return batch.answer.then(({ rows, byKey }) => {
    // In the statement's order; most requests ask for one key, found without a pass over every row.
    const mine = asked.length === 1 ? (byKey.get(asked[0]!) ?? []) : rows.filter((row) => asked.includes(read.keyOf(row as Row).toLowerCase()));
    // Each request maps its rows into its own identity map: copies, so none sees another's changes.
    return mine.map((row) => ({ ...(row as Row) }));
  });
}

/**
 * A batch holding this many keys takes no more callers, which bounds a statement's parameter and
 * answer; a round asking for more opens another. One caller's own keys are never split.
 */
const MAX_KEYS_PER_STATEMENT = 500;

interface Batch {
  keys: Set<string>;
  answer: Promise<{ rows: unknown[]; byKey: Map<string, unknown[]> }>;
}

/** The batches not yet sent, per database (each ORM has its connection), read and variant. */
const unsent = new WeakMap<object, Map<SharedRead<unknown, unknown>, Map<string, Batch>>>();

function pendingBatch(em: EntityManager, read: SharedRead<unknown, unknown>, params: unknown): Batch {
  const connection = em.getConnection();
  let reads = unsent.get(connection);
  if (!reads) unsent.set(connection, (reads = new Map()));
  let variants = reads.get(read);
  if (!variants) reads.set(read, (variants = new Map()));
  const variant = read.variant?.(params) ?? '';
  const open = variants.get(variant);
  if (open && open.keys.size < MAX_KEYS_PER_STATEMENT) return open;

  const keys = new Set<string>();
  // The statement runs on a manager of its own: the first caller's may have begun a transaction by then.
  const runner = em.fork();
  const batch: Batch = {
    keys,
    answer: new Promise<unknown[]>((resolve, reject) => {
      setImmediate(() => {
        // Sent now: a request arriving from here on opens a batch of its own.
        if (variants.get(variant) === batch) variants.delete(variant);
        // A statement that cannot even be written (a bad key) fails its callers, not the process.
        new Promise<unknown[]>((ran) => ran(read.run(runner, [...keys], params))).then(resolve, reject);
      });
    }).then((rows) => ({ rows, byKey: groupedByKey(rows, read) })),
  };
  variants.set(variant, batch);
  return batch;
}

function groupedByKey(rows: unknown[], read: SharedRead<unknown, unknown>): Map<string, unknown[]> {
  const byKey = new Map<string, unknown[]>();
  for (const row of rows) {
    const key = read.keyOf(row).toLowerCase();
    const group = byKey.get(key);
    if (group) group.push(row);
    else byKey.set(key, [row]);
  }
  return byKey;
}
