import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/** A log line in MongoDB: indexes on service, time and level, and a text index over the message and every field. */
@Entity({ collection: 'log_entries' })
@Index({ properties: ['time', '_id'] })
@Index({ properties: ['service', 'time'] })
@Index({ properties: ['level', 'time'] })
@Index({ properties: ['requestId'] })
// Wildcard: every string of the entry, as PostgreSQL's index covers the message and the fields. Language
// 'none', as PostgreSQL's 'simple': log text is not English prose, so no stemming and no stop words
// ("the", "running" → "run"); both stores then match the same words.
@Index({ options: [{ '$**': 'text' }, { name: 'log_entries_text', default_language: 'none' }] })
export class MongoLogEntry {
  /** A UUID, as in PostgreSQL: ids survive a move between stores. */
  @PrimaryKey({ type: 'string' })
  _id!: string;

  @Property()
  time!: Date;

  @Property()
  service!: string;

  @Property()
  level!: string;

  @Property()
  message!: string;

  @Property({ nullable: true })
  requestId!: string | null;

  @Property({ type: 'json' })
  fields!: Record<string, unknown>;

  @Property()
  bytes!: number;
}

@Entity({ collection: 'log_usage' })
export class MongoLogUsage {
  /** The service. */
  @PrimaryKey({ type: 'string' })
  _id!: string;

  @Property()
  bytes!: number;

  @Property()
  entries!: number;
}

@Entity({ collection: 'log_archives' })
@Index({ properties: ['createdAt'] })
export class MongoLogArchive {
  /** The file name. */
  @PrimaryKey({ type: 'string' })
  _id!: string;

  @Property()
  service!: string;

  @Property()
  from!: Date;

  @Property()
  to!: Date;

  @Property()
  entries!: number;

  @Property()
  bytes!: number;

  @Property()
  createdAt!: Date;
}
