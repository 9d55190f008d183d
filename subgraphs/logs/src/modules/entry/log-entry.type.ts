import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType, JsonScalar } from '@herck/common';

export enum LogLevel {
  DEBUG = 'debug',
  INFO = 'info',
  WARN = 'warn',
  ERROR = 'error',
}

registerEnumType(LogLevel, {
  name: 'LogLevel',
  description: 'How serious a log entry is',
  valuesConfig: {
    DEBUG: { description: 'Detail for developers' },
    INFO: { description: 'Normal operation' },
    WARN: { description: 'Something unexpected the service handled' },
    ERROR: { description: 'Something failed' },
  },
});

export enum LogBucketSize {
  MINUTE = 'minute',
  HOUR = 'hour',
  DAY = 'day',
}

registerEnumType(LogBucketSize, {
  name: 'LogBucketSize',
  description: 'The length of the periods log statistics are counted in (UTC)',
  valuesConfig: {
    MINUTE: { description: 'Whole minutes' },
    HOUR: { description: 'Whole hours' },
    DAY: { description: 'Calendar days (UTC)' },
  },
});

@InputType({ description: 'Which log entries: every part given narrows the selection' })
export class LogFilter {
  @Field(() => [String], { nullable: true, description: 'Only these services (gateway, account, auth, market, analysis, orders, logs, …)' })
  services?: string[] | null;

  @Field(() => [LogLevel], { nullable: true, description: 'Only these levels' })
  levels?: LogLevel[] | null;

  @Field(() => Date, { nullable: true, description: 'From this time (inclusive)' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Up to this time (inclusive)' })
  to?: Date | null;

  @Field(() => String, { nullable: true, description: 'Words that must all appear in the message or the fields ("quoted phrase", -excluded, or)' })
  text?: string | null;

  @Field(() => String, { nullable: true, description: 'Only the entries of this request (the x-request-id the gateway answered with)' })
  requestId?: string | null;
}

@ObjectType({ description: 'One line a service logged' })
export class LogEntry {
  @Field(() => ID, { description: 'Entry id' })
  id!: string;

  @Field(() => Date, { description: 'When the service wrote it' })
  time!: Date;

  @Field(() => String, { description: 'The service that wrote it' })
  service!: string;

  @Field(() => LogLevel, { description: 'Its level' })
  level!: LogLevel;

  @Field(() => String, { description: 'The message' })
  message!: string;

  @Field(() => String, { nullable: true, description: 'The request it was written for, if any' })
  requestId!: string | null;

  @Field(() => JsonScalar, { description: 'Every other field of the entry' })
  fields!: Record<string, unknown>;
}

export const LogEntryConnection = connectionType(LogEntry, 'LogEntry', 'log entry', 'log entries');

@ObjectType({ description: 'How many entries a service logged at one level in one period' })
export class LogBucket {
  @Field(() => Date, { description: 'Start of the period (UTC)' })
  start!: Date;

  @Field(() => String, { description: 'The service' })
  service!: string;

  @Field(() => LogLevel, { description: 'The level' })
  level!: LogLevel;

  @Field(() => Int, { description: 'Entries' })
  count!: number;
}

@ObjectType({ description: 'What one service has stored, against the threshold that archives its oldest entries' })
export class ServiceLogUsage {
  @Field(() => String, { description: 'The service' })
  service!: string;

  @Field(() => Float, { description: 'Bytes of its stored entries (as shipped)' })
  bytes!: number;

  @Field(() => Int, { description: 'Stored entries' })
  entries!: number;

  @Field(() => Float, { description: 'Past this many bytes the oldest entries go to an archive (LOGS_MAX_BYTES_PER_SERVICE)' })
  thresholdBytes!: number;
}

@ObjectType({ description: 'A compressed file of a service’s oldest entries, one JSON entry per line' })
export class LogArchive {
  @Field(() => String, { description: '`{SERVICE}_{YYYYMMDDTHHMMSSZ}.log.gz`: download from the gateway’s /logs/archives/<fileName> with an admin token' })
  fileName!: string;

  @Field(() => String, { description: 'The service whose entries it holds' })
  service!: string;

  @Field(() => Date, { description: 'Time of its oldest entry' })
  from!: Date;

  @Field(() => Date, { description: 'Time of its newest entry' })
  to!: Date;

  @Field(() => Int, { description: 'Entries in the file' })
  entries!: number;

  @Field(() => Float, { description: 'Size of the compressed file in bytes' })
  bytes!: number;

  @Field(() => Date, { description: 'When it was written' })
  createdAt!: Date;
}
