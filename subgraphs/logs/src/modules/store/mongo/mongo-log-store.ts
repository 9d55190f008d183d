import { MikroORM, MongoDriver } from '@mikro-orm/mongodb';
import type { ClientSession, Document, Filter } from 'mongodb';
import { ArchiveRecord, LogBucket, LogPosition, LogSelection, LogStatRow, LogStore, ServiceUsage, StatusSample, StoredLogEntry, StoredLogLevel, totalsByService } from '../log-store';

/** Ids per command when an archive's entries are deleted. */
const ID_CHUNK = 5_000;
import { MongoLogArchive, MongoLogEntry, MongoLogUsage } from './mongo-log.entities';

type EntryDocument = Omit<StoredLogEntry, 'id'> & { _id: string };

/**
 * The store when LOGS_MONGODB_URL is set. Writes that must go together (entries
 * and usage, an archive's deletion and its record) run in a transaction, which
 * MongoDB offers on a replica set (docker-compose starts a one-node set).
 */
export class MongoLogStore implements LogStore {
  private constructor(private readonly orm: MikroORM) {}

  static async open(url: string): Promise<MongoLogStore> {
    const orm = await MikroORM.init({
      driver: MongoDriver,
      clientUrl: url,
      entities: [MongoLogEntry, MongoLogUsage, MongoLogArchive],
      // Decorator metadata from the compiled classes (no ts-morph at run time).
      discovery: { disableDynamicFileAccess: true },
      debug: false,
    });
    await orm.getSchemaGenerator().ensureIndexes();
    return new MongoLogStore(orm);
  }

  private collection<T extends Document>(name: string) {
    return this.orm.em.getConnection().getCollection<T>(name);
  }

  private async inTransaction(work: (session: ClientSession) => Promise<void>): Promise<void> {
    const session = this.orm.em.getConnection().getClient().startSession();
    try {
      await session.withTransaction(() => work(session));
    } finally {
      await session.endSession();
    }
  }

  async insert(entries: StoredLogEntry[]): Promise<void> {
    if (!entries.length) return;
    await this.inTransaction(async (session) => {
      // Insert-if-absent: an id already stored (a retried batch) is skipped, and usage counts only new ones.
      const result = await this.collection<EntryDocument>('log_entries').bulkWrite(
        entries.map(({ id, ...rest }) => ({ updateOne: { filter: { _id: id }, update: { $setOnInsert: { _id: id, ...rest } }, upsert: true } })),
        { session, ordered: true },
      );
      const written = new Set(Object.values(result.upsertedIds).map(String));
      await this.addUsage(session, totalsByService(entries.filter((entry) => written.has(entry.id))));
    });
  }

  async search(selection: LogSelection, limit: number, after?: LogPosition): Promise<StoredLogEntry[]> {
    const filter = filterOf(selection);
    if (after) filter.$and = [...((filter.$and as Filter<EntryDocument>[]) ?? []), { $or: [{ time: { $lt: after.time } }, { time: after.time, _id: { $lt: after.id } }] }];
    const documents = await this.collection<EntryDocument>('log_entries').find(filter).sort({ time: -1, _id: -1 }).limit(limit).toArray();
    return documents.map(toEntry);
  }

  async stats(from: Date, to: Date, bucket: LogBucket): Promise<LogStatRow[]> {
    const rows = await this.collection<EntryDocument>('log_entries')
      .aggregate<{ _id: { start: Date; service: string; level: StoredLogLevel }; count: number }>([
        { $match: { time: { $gte: from, $lte: to } } },
        { $group: { _id: { start: { $dateTrunc: { date: '$time', unit: bucket } }, service: '$service', level: '$level' }, count: { $sum: 1 } } },
        { $sort: { '_id.start': 1, '_id.service': 1, '_id.level': 1 } },
      ])
      .toArray();
    return rows.map(({ _id, count }) => ({ ..._id, count }));
  }

  async delete(selection: LogSelection): Promise<number> {
    const filter = filterOf(selection);
    let deleted = 0;
    await this.inTransaction(async (session) => {
      const totals = await this.collection<EntryDocument>('log_entries')
        .aggregate<{ _id: string; entries: number; bytes: number }>([{ $match: filter }, { $group: { _id: '$service', entries: { $sum: 1 }, bytes: { $sum: '$bytes' } } }], { session })
        .toArray();
      const result = await this.collection<EntryDocument>('log_entries').deleteMany(filter, { session });
      await this.addUsage(session, new Map(totals.map((total) => [total._id, { entries: -total.entries, bytes: -total.bytes }])));
      deleted = result.deletedCount;
    });
    return deleted;
  }

  async usage(): Promise<ServiceUsage[]> {
    const rows = await this.collection<{ _id: string; bytes: number; entries: number }>('log_usage').find({}).sort({ _id: 1 }).toArray();
    return rows.map((row) => ({ service: row._id, bytes: row.bytes, entries: row.entries }));
  }

  async oldest(service: string, limit: number, after?: LogPosition): Promise<StoredLogEntry[]> {
    const filter: Filter<EntryDocument> = { service };
    if (after) filter.$or = [{ time: { $gt: after.time } }, { time: after.time, _id: { $gt: after.id } }];
    const documents = await this.collection<EntryDocument>('log_entries').find(filter).sort({ time: 1, _id: 1 }).limit(limit).toArray();
    return documents.map(toEntry);
  }

  async archived(service: string, ids: string[], archive: ArchiveRecord): Promise<void> {
    await this.inTransaction(async (session) => {
      let entries = 0;
      let bytes = 0;
      // In chunks: one command stays far below MongoDB's 16 MB limit however large the archive.
      for (let start = 0; start < ids.length; start += ID_CHUNK) {
        const chunk = ids.slice(start, start + ID_CHUNK);
        const [total] = await this.collection<EntryDocument>('log_entries')
          .aggregate<{ entries: number; bytes: number }>([{ $match: { service, _id: { $in: chunk } } }, { $group: { _id: null, entries: { $sum: 1 }, bytes: { $sum: '$bytes' } } }], { session })
          .toArray();
        await this.collection<EntryDocument>('log_entries').deleteMany({ service, _id: { $in: chunk } }, { session });
        entries += total?.entries ?? 0;
        bytes += total?.bytes ?? 0;
      }
      if (entries !== ids.length) throw new Error(`archive ${archive.fileName}: ${ids.length} entries written, ${entries} still stored`);
      await this.addUsage(session, new Map([[service, { entries: -entries, bytes: -bytes }]]));
      const { fileName, ...record } = archive;
      await this.collection<Document>('log_archives').insertOne({ _id: fileName as never, ...record }, { session });
    });
  }

  async archives(): Promise<ArchiveRecord[]> {
    const rows = await this.collection<Document>('log_archives').find({}).sort({ createdAt: -1, _id: -1 }).toArray();
    return rows.map(({ _id, service, from, to, entries, bytes, createdAt }) => ({ fileName: String(_id), service, from, to, entries, bytes, createdAt }));
  }

  async samples(service: string, message: string, key: string, value: string, from: Date, to: Date, limit: number): Promise<StatusSample[]> {
    const documents = await this.collection<EntryDocument>('log_entries')
      .find({ service, message, [`fields.${key}`]: value, time: { $gte: from, $lte: to } })
      .sort({ time: 1, _id: 1 })
      .limit(limit)
      .toArray();
    return documents.map((document) => ({ time: document.time, fields: document.fields }));
  }

  async close(): Promise<void> {
    await this.orm.close();
  }

  private async addUsage(session: ClientSession, totals: Map<string, { entries: number; bytes: number }>): Promise<void> {
    for (const [service, { entries, bytes }] of totals) {
      await this.collection<{ _id: string; bytes: number; entries: number }>('log_usage').updateOne({ _id: service }, { $inc: { entries, bytes } }, { session, upsert: true });
    }
  }
}

function filterOf(selection: LogSelection): Filter<EntryDocument> {
  const filter: Filter<EntryDocument> = {};
  if (selection.services) filter.service = { $in: selection.services };
  if (selection.levels) filter.level = { $in: selection.levels };
  if (selection.from || selection.to) filter.time = { ...(selection.from && { $gte: selection.from }), ...(selection.to && { $lte: selection.to }) };
  if (selection.requestId) filter.requestId = selection.requestId;
  if (selection.text) filter.$text = { $search: allWords(selection.text) };
  return filter;
}

/**
 * `$text` matches any of its words; PostgreSQL's web search, all of them. Quoting each
 * word (and keeping quoted phrases and -exclusions) makes MongoDB ask for all too. `or`
 * is left out: one `$text` cannot ask for all of some words and any of others, and a
 * query holds only one, so here every word must appear.
 */
function allWords(text: string): string {
  const terms = text.match(/-?"[^"]*"|\S+/g) ?? [];
  return terms
    .filter((term) => term.toLowerCase() !== 'or')
    .map((term) => (term.startsWith('-') || term.startsWith('"') ? term : `"${term}"`))
    .join(' ');
}

function toEntry({ _id, ...rest }: EntryDocument): StoredLogEntry {
  return { id: _id, ...rest, requestId: rest.requestId ?? null, fields: rest.fields ?? {} };
}
