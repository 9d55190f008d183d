import { MikroORM, MongoDriver } from '@mikro-orm/mongodb';
import type { ClientSession, Document, Filter } from 'mongodb';
import { ArchiveRecord, LogBucket, LogPosition, LogSelection, LogStatRow, LogStore, ServiceUsage, StatusSample, StoredLogEntry, StoredLogLevel } from '../log-store';
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
    const documents: EntryDocument[] = entries.map(({ id, ...rest }) => ({ _id: id, ...rest }));
    await this.inTransaction(async (session) => {
      await this.collection<EntryDocument>('log_entries').insertMany(documents, { session, ordered: true });
      await this.addUsage(session, totalsByService(entries));
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
      const [total] = await this.collection<EntryDocument>('log_entries')
        .aggregate<{ entries: number; bytes: number }>([{ $match: { service, _id: { $in: ids } } }, { $group: { _id: null, entries: { $sum: 1 }, bytes: { $sum: '$bytes' } } }], { session })
        .toArray();
      if ((total?.entries ?? 0) !== ids.length) throw new Error(`archive ${archive.fileName}: ${ids.length} entries written, ${total?.entries ?? 0} still stored`);
      await this.collection<EntryDocument>('log_entries').deleteMany({ service, _id: { $in: ids } }, { session });
      await this.addUsage(session, new Map([[service, { entries: -total!.entries, bytes: -total!.bytes }]]));
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
  if (selection.text) filter.$text = { $search: selection.text };
  return filter;
}

function totalsByService(entries: StoredLogEntry[]): Map<string, { entries: number; bytes: number }> {
  const totals = new Map<string, { entries: number; bytes: number }>();
  for (const entry of entries) {
    const total = totals.get(entry.service) ?? { entries: 0, bytes: 0 };
    total.entries += 1;
    total.bytes += entry.bytes;
    totals.set(entry.service, total);
  }
  return totals;
}

function toEntry({ _id, ...rest }: EntryDocument): StoredLogEntry {
  return { id: _id, ...rest, requestId: rest.requestId ?? null, fields: rest.fields ?? {} };
}
