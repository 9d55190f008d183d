import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EntityManager, Knex, MikroORM } from '@mikro-orm/postgresql';
import { from as copyFrom } from 'pg-copy-streams';
import { ArchiveRecord, LogBucket, LogPosition, LogSelection, LogStatRow, LogStore, ServiceUsage, StatusSample, StoredLogEntry, StoredLogLevel } from '../log-store';
import { LOG_SEARCH_VECTOR } from '../../../migrations/Migration20261207000900_logs_search_text';
import { searchDocument, searchGroups } from '../search-words';
import { PgLogArchive } from './log-entry.entity';

type Row = Record<string, unknown>;

/** The part of a node-postgres client the COPY path uses. */
interface PgClient {
  query<T extends NodeJS.WritableStream>(stream: T): T;
}

const COLUMNS = 'id, time, service, level, message, request_id, fields, bytes';
/** What is written: the columns read, and the words the entry is found by (see search-words.ts). */
const WRITTEN_COLUMNS = `${COLUMNS}, search_text`;
const UNIQUE_VIOLATION = '23505';
const QUERY_CANCELED = '57014';

/** Deletions by id go in chunks: one statement's parameters are bounded. */
const ID_CHUNK = 5_000;

/** How a text search is planned (see `search`). */
export interface PostgresLogStoreOptions {
  /** How long PostgreSQL's own newest-first plan may take before the text index is asked (0: not tried). */
  newestFirstBudgetMs: number;
  /** A text search selecting at most this many entries is answered from the text index alone. */
  textMatchesSortedInFull: number;
}

/** The default store: the logs subgraph's own PostgreSQL database, JSONB fields and a full-text index. */
export class PostgresLogStore implements LogStore {
  constructor(
    private readonly orm: MikroORM,
    private readonly options: PostgresLogStoreOptions = { newestFirstBudgetMs: 100, textMatchesSortedInFull: 10_000 },
  ) {}

  async insert(entries: StoredLogEntry[]): Promise<void> {
    if (!entries.length) return;
    try {
      await this.copyIn(entries);
    } catch (error) {
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      // Some of these ids are stored already: a batch sent again after logs stored it but could
      // not acknowledge it. Rare, so that path may be slower: it skips what exists.
      await this.insertNew(entries);
    }
  }

  /**
   * The fast path: one COPY of the whole batch, in the transaction that adds it to the usage.
   * logs takes every service's lines, and COPY costs PostgreSQL about a third less CPU per entry
   * than an INSERT … SELECT from a JSON parameter with ON CONFLICT (13 against 20 µs per entry
   * with this table's indexes, measured on the 2-core build machine).
   */
  private async copyIn(entries: StoredLogEntry[]): Promise<void> {
    await this.orm.em.fork().transactional(async (em) => {
      // The transaction's own connection (knex hands a transaction's client its one connection).
      const connection = (await em.getTransactionContext<Knex.Transaction>()!.client.acquireConnection()) as PgClient;
      await pipeline(Readable.from([copyRows(entries)]), connection.query(copyFrom(`COPY log_entries (${WRITTEN_COLUMNS}) FROM STDIN`)));
      await addUsage(em, usageOf(entries));
    });
  }

  /** Stores the entries whose ids are new, and adds only those to the usage. */
  private async insertNew(entries: StoredLogEntry[]): Promise<void> {
    await this.orm.em.fork().transactional(async (em) => {
      // One statement and one parameter for the whole batch: PostgreSQL unpacks the rows itself.
      const rows = entries.map(({ id, time, service, level, message, requestId, fields, bytes }) => ({
        id,
        time,
        service,
        level,
        message,
        request_id: requestId,
        fields,
        bytes,
        search_text: searchDocument(message, fields),
      }));
      // Through knex, which binds the batch as a parameter ($1), not MikroORM's execute, which would
      // escape and splice a megabyte of JSON into the SQL text.
      const query = em.getKnex().raw(
        `WITH written AS (
           INSERT INTO log_entries (${WRITTEN_COLUMNS})
           SELECT ${WRITTEN_COLUMNS}
             FROM jsonb_to_recordset(?::jsonb) AS x(id uuid, time timestamptz, service text, level text, message text, request_id text, fields jsonb, bytes integer, search_text text)
           ON CONFLICT (id) DO NOTHING
           RETURNING service, bytes)
         SELECT service, count(*)::bigint AS entries, sum(bytes)::bigint AS bytes FROM written GROUP BY service`,
        [JSON.stringify(rows)],
      );
      const written = ((await query.transacting(em.getTransactionContext()!)) as { rows: Row[] }).rows;
      await addUsage(em, new Map(written.map((row) => [row.service as string, { entries: Number(row.entries), bytes: Number(row.bytes) }])));
    });
  }

  /**
   * Newest first. PostgreSQL's plan for a text search reads the time index newest
   * first and tests each entry's words: quick for words common among recent entries,
   * a read of the whole table for words rare or absent there (16 s over 5 million
   * entries in bench:logs, for a pair of words never seen together). So a text search
   * gets that plan for a short while; past it, the text index alone answers when it
   * selects few entries, and only a search selecting many, none of them recent, reads on.
   */
  async search(selection: LogSelection, limit: number, after?: LogPosition): Promise<StoredLogEntry[]> {
    const where = conditions(selection);
    if (after) where.add('(time, id) < (?, ?)', after.time, after.id);
    if (!selection.text) return this.newestFirst(where, limit);
    return (await this.newestFirstWithin(where, limit, this.options.newestFirstBudgetMs)) ?? (await this.fewTextMatches(where, limit)) ?? this.newestFirst(where, limit);
  }

  private async newestFirst(where: Conditions, limit: number, em: EntityManager = this.orm.em.fork()): Promise<StoredLogEntry[]> {
    const rows = await em.execute<Row[]>(`SELECT ${COLUMNS} FROM log_entries ${where.sql()} ORDER BY time DESC, id DESC LIMIT ?`, [...where.params, limit]);
    return rows.map(toEntry);
  }

  /** `newestFirst`, or null when it takes longer than `budgetMs`. */
  private async newestFirstWithin(where: Conditions, limit: number, budgetMs: number): Promise<StoredLogEntry[] | null> {
    if (budgetMs <= 0) return null;
    try {
      return await this.orm.em.fork().transactional(async (em) => {
        // Whole milliseconds, at least one: 0 would mean no timeout at all.
        await em.execute(`SET LOCAL statement_timeout = ${Math.max(1, Math.ceil(budgetMs))}`);
        return this.newestFirst(where, limit, em);
      });
    } catch (error) {
      if ((error as { code?: string }).code === QUERY_CANCELED) return null;
      throw error;
    }
  }

  /** The newest `limit` entries a text search selects, when it selects at most `textMatchesSortedInFull`; null when more. */
  private async fewTextMatches(where: Conditions, limit: number): Promise<StoredLogEntry[] | null> {
    const cap = this.options.textMatchesSortedInFull;
    return this.orm.em.fork().transactional(async (em) => {
      // Only bitmap scans: the text index (with the time index for a range), never the time order.
      await em.execute('SET LOCAL enable_indexscan = off');
      await em.execute('SET LOCAL enable_seqscan = off');
      // Only positions are counted and sorted; the page's entries are read by id afterwards.
      const rows = await em.execute<Row[]>(
        `WITH matches AS (SELECT time, id FROM log_entries ${where.sql()} LIMIT ?),
              page AS (SELECT time, id, count(*) OVER () AS matched FROM matches ORDER BY time DESC, id DESC LIMIT ?)
         SELECT entry.*, page.matched
           FROM page JOIN log_entries AS entry ON entry.id = page.id
          ORDER BY page.time DESC, page.id DESC`,
        [...where.params, cap + 1, limit],
      );
      return rows.length && Number(rows[0]!.matched) > cap ? null : rows.map(toEntry);
    });
  }

  async stats(from: Date, to: Date, bucket: LogBucket): Promise<LogStatRow[]> {
    const rows = await this.orm.em.fork().execute<Row[]>(
      `SELECT date_trunc(?, time, 'UTC') AS start, service, level, count(*)::int AS count
         FROM log_entries WHERE time >= ? AND time <= ?
        GROUP BY 1, service, level ORDER BY 1, service, level`,
      [bucket, from, to],
    );
    return rows.map((row) => ({ start: new Date(row.start as Date), service: row.service as string, level: row.level as StoredLogLevel, count: Number(row.count) }));
  }

  async delete(selection: LogSelection): Promise<number> {
    const where = conditions(selection);
    return this.orm.em.fork().transactional(async (em) => {
      const gone = await em.execute<Row[]>(
        `WITH gone AS (DELETE FROM log_entries ${where.sql()} RETURNING service, bytes)
         SELECT service, count(*)::bigint AS entries, sum(bytes)::bigint AS bytes FROM gone GROUP BY service`,
        where.params,
      );
      const totals = new Map(gone.map((row) => [row.service as string, { entries: -Number(row.entries), bytes: -Number(row.bytes) }]));
      await addUsage(em, totals);
      return gone.reduce((sum, row) => sum + Number(row.entries), 0);
    });
  }

  async usage(): Promise<ServiceUsage[]> {
    const rows = await this.orm.em.fork().execute<Row[]>('SELECT service, bytes, entries FROM log_usage ORDER BY service');
    return rows.map((row) => ({ service: row.service as string, bytes: Number(row.bytes), entries: Number(row.entries) }));
  }

  async oldest(service: string, limit: number, after?: LogPosition): Promise<StoredLogEntry[]> {
    const rows = await this.orm.em.fork().execute<Row[]>(
      `SELECT ${COLUMNS} FROM log_entries
        WHERE service = ? ${after ? 'AND (time, id) > (?, ?)' : ''} ORDER BY time, id LIMIT ?`,
      [service, ...(after ? [after.time, after.id] : []), limit],
    );
    return rows.map(toEntry);
  }

  async archived(service: string, ids: string[], archive: ArchiveRecord): Promise<void> {
    await this.orm.em.fork().transactional(async (em) => {
      let entries = 0;
      let bytes = 0;
      for (let start = 0; start < ids.length; start += ID_CHUNK) {
        const [row] = await em.execute<Row[]>(
          `WITH gone AS (DELETE FROM log_entries WHERE service = ? AND id IN (?) RETURNING bytes)
           SELECT count(*)::bigint AS entries, coalesce(sum(bytes), 0)::bigint AS bytes FROM gone`,
          [service, ids.slice(start, start + ID_CHUNK)],
        );
        entries += Number(row!.entries);
        bytes += Number(row!.bytes);
      }
      // Someone deleted some of them meanwhile: the file would hold entries the store no longer had. Start over.
      if (entries !== ids.length) throw new Error(`archive ${archive.fileName}: ${ids.length} entries written, ${entries} still stored`);
      await addUsage(em, new Map([[service, { entries: -entries, bytes: -bytes }]]));
      em.create(PgLogArchive, { ...archive, bytes: String(archive.bytes) });
      await em.flush();
    });
  }

  async archives(): Promise<ArchiveRecord[]> {
    const rows = await this.orm.em.fork().find(PgLogArchive, {}, { orderBy: { createdAt: 'DESC', fileName: 'DESC' } });
    return rows.map((row) => ({ ...row, bytes: Number(row.bytes) }));
  }

  async samples(service: string, message: string, key: string, value: string, from: Date, to: Date, limit: number): Promise<StatusSample[]> {
    const rows = await this.orm.em.fork().execute<Row[]>(
      `SELECT time, fields FROM log_entries
        WHERE service = ? AND message = ? AND fields ->> ? = ? AND time >= ? AND time <= ?
        ORDER BY time, id LIMIT ?`,
      [service, message, key, value, from, to, limit],
    );
    return rows.map((row) => ({ time: new Date(row.time as Date), fields: row.fields as Record<string, unknown> }));
  }

  async close(): Promise<void> {
    // The subgraph's ORM is closed by the subgraph.
  }
}

type Conditions = ReturnType<typeof conditions>;

/** A WHERE clause built from the parts of a selection that are present. */
function conditions(selection: LogSelection) {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, ...values: unknown[]) => {
    clauses.push(clause);
    params.push(...values);
  };
  // An empty list selects nothing (the resolver refuses it first; this keeps the SQL valid).
  if (selection.services) add(selection.services.length ? 'service IN (?)' : 'false', ...(selection.services.length ? [selection.services] : []));
  if (selection.levels) add(selection.levels.length ? 'level IN (?)' : 'false', ...(selection.levels.length ? [selection.levels] : []));
  if (selection.from) add('time >= ?', selection.from);
  if (selection.to) add('time <= ?', selection.to);
  if (selection.requestId) add('request_id = ?', selection.requestId);
  // A text without a word is refused before it gets here (LogQueryService); were one to come, it finds nothing.
  if (selection.text) {
    // websearch_to_tsquery alone binds `or` looser than the words around it (`a b or c` as a and b, or c).
    const groups = searchGroups(selection.text) ?? [['']];
    const query = groups.map((terms) => `(${terms.map(() => "websearch_to_tsquery('simple', ?)").join(' || ')})`).join(' && ');
    add(`${LOG_SEARCH_VECTOR} @@ (${query})`, ...groups.flat());
  }
  return { add, params, sql: () => (clauses.length ? `WHERE ${clauses.join(' AND ')}` : '') };
}

type UsageTotals = Map<string, { entries: number; bytes: number }>;

async function addUsage(em: EntityManager, totals: UsageTotals): Promise<void> {
  // In name order, so concurrent writers take the row locks in one order and never deadlock.
  for (const [service, { entries, bytes }] of [...totals].sort(([a], [b]) => a.localeCompare(b))) {
    await em.execute(
      `INSERT INTO log_usage (service, bytes, entries) VALUES (?, ?, ?)
       ON CONFLICT (service) DO UPDATE SET bytes = log_usage.bytes + EXCLUDED.bytes, entries = log_usage.entries + EXCLUDED.entries`,
      [service, bytes, entries],
    );
  }
}

function usageOf(entries: StoredLogEntry[]): UsageTotals {
  const totals: UsageTotals = new Map();
  for (const { service, bytes } of entries) {
    const total = totals.get(service) ?? { entries: 0, bytes: 0 };
    total.entries++;
    total.bytes += bytes;
    totals.set(service, total);
  }
  return totals;
}

/** The entries in COPY's text format: one line per entry, columns as WRITTEN_COLUMNS names them. */
function copyRows(entries: StoredLogEntry[]): string {
  let text = '';
  for (const { id, time, service, level, message, requestId, fields, bytes } of entries) {
    text += `${id}\t${time.toISOString()}\t${copyText(service)}\t${level}\t${copyText(message)}\t${requestId === null ? '\\N' : copyText(requestId)}\t${copyText(JSON.stringify(fields))}\t${bytes}\t${copyText(searchDocument(message, fields))}\n`;
  }
  return text;
}

const COPY_SPECIAL = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A value as COPY's text format reads it back: backslash, tab, newline and carriage return escaped. */
function copyText(value: string): string {
  return value.replace(COPY_SPECIAL, (special) => COPY_ESCAPES[special]!);
}

function toEntry(row: Row): StoredLogEntry {
  return {
    id: row.id as string,
    time: new Date(row.time as Date),
    service: row.service as string,
    level: row.level as StoredLogLevel,
    message: row.message as string,
    requestId: (row.request_id as string | null) ?? null,
    fields: (row.fields as Record<string, unknown>) ?? {},
    bytes: Number(row.bytes),
  };
}
