import { Arg, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Connection, RequiresRole } from '@herck/common';
import { LogArchive, LogBucket, LogBucketSize, LogEntry, LogEntryConnection, LogFilter, ServiceLogUsage } from './log-entry.type';
import { LogQueryService } from './log-query.service';

@Resolver()
export class LogResolver {
  constructor(private readonly queries: LogQueryService) {}

  @RequiresRole('ADMIN')
  @Query(() => LogEntryConnection, { description: 'Log entries of every service, newest first (admins)' })
  logs(
    @Arg('filter', () => LogFilter, { nullable: true, description: 'Narrows the list' }) filter: LogFilter | null | undefined,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50, description: 'Page size, 1 to 100' }) first: number | null | undefined,
    @Arg('after', () => String, { nullable: true, description: 'Cursor of the last entry already seen' }) after: string | null | undefined,
  ): Promise<Connection<LogEntry>> {
    return this.queries.page(filter, first ?? 50, after);
  }

  @RequiresRole('ADMIN')
  @Query(() => [LogBucket], { description: 'Entries counted per period, service and level (admins)' })
  logStats(
    @Arg('from', () => Date, { description: 'Start of the range (inclusive)' }) from: Date,
    @Arg('to', () => Date, { description: 'End of the range (inclusive)' }) to: Date,
    @Arg('bucket', () => LogBucketSize, { description: 'Length of each period' }) bucket: LogBucketSize,
  ): Promise<LogBucket[]> {
    return this.queries.stats(from, to, bucket);
  }

  @RequiresRole('ADMIN')
  @Mutation(() => Int, { description: 'Deletes the entries the filter selects and answers how many (admins); an empty filter is refused' })
  deleteLogs(@Arg('filter', () => LogFilter, { description: 'Which entries: at least one part' }) filter: LogFilter): Promise<number> {
    return this.queries.delete(filter);
  }

  @RequiresRole('ADMIN')
  @Query(() => [ServiceLogUsage], { description: 'What each service has stored, against the archive threshold (admins)' })
  logUsage(): Promise<ServiceLogUsage[]> {
    return this.queries.usage();
  }

  @RequiresRole('ADMIN')
  @Query(() => [LogArchive], { description: 'Archive files of old entries, newest first (admins)' })
  logArchives(): Promise<LogArchive[]> {
    return this.queries.archives();
  }
}
