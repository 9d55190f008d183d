import { BadUserInputError, Connection, decodeTimeIdCursor, encodeTimeIdCursor, pageInfoOf, pageSize, requireTimeRange, SUBGRAPHS } from '@herck/common';
import { LogBucket as StoreBucket, LogPosition, LogSelection, LogStore, StoredLogEntry } from '../store/log-store';
import { searchGroups } from '../store/search-words';
import { LogArchive, LogBucket, LogBucketSize, LogEntry, LogFilter, LogLevel, ServiceLogUsage } from './log-entry.type';

/** Entries read at a time for an export. */
const EXPORT_PAGE = 1000;

/** Buckets one `logStats` answer may span (a year of minutes is not a chart). */
const MAX_BUCKETS = 10_000;
const BUCKET_MS: Record<LogBucketSize, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export interface LogQuerySettings {
  maxQueryLength: number;
  maxBytesPerService: number;
}

/** Reads, counts and deletes log entries for admins, refusing what cannot be meant. */
export class LogQueryService {
  constructor(
    private readonly store: LogStore,
    private readonly settings: LogQuerySettings,
  ) {}

  async page(filter: LogFilter | null | undefined, first: number, after: string | null | undefined): Promise<Connection<LogEntry>> {
    pageSize(first);
    const selection = await this.selection(filter);
    const position = after ? decodeTimeIdCursor('logs', after) : undefined;
    const found = await this.store.search(selection, first + 1, position);
    const nodes = found.slice(0, first).map(toLogEntry);
    const edges = nodes.map((node) => ({ cursor: encodeTimeIdCursor('logs', node.time, node.id), node }));
    return { edges, nodes, pageInfo: pageInfoOf(edges, found.length > first, Boolean(after)) };
  }

  async stats(from: Date, to: Date, bucket: LogBucketSize): Promise<LogBucket[]> {
    requireTimeRange(from, to);
    // The buckets the range touches (both ends included, as the store reads them), not its length over one.
    const size = BUCKET_MS[bucket];
    if (Math.floor(to.getTime() / size) - Math.floor(from.getTime() / size) + 1 > MAX_BUCKETS) throw new BadUserInputError(`At most ${MAX_BUCKETS} buckets: choose a larger bucket or a shorter range`, 'bucket');
    const rows = await this.store.stats(from, to, bucket as StoreBucket);
    return rows.map((row) => ({ ...row, level: row.level as LogLevel }));
  }

  async delete(filter: LogFilter): Promise<number> {
    const selection = await this.selection(filter);
    // Deleting everything takes a deliberate filter (a time range at least), never an empty one.
    if (!Object.values(selection).some((part) => part !== undefined)) throw new BadUserInputError('Give at least one filter: an empty filter would delete every entry', 'filter');
    return this.store.delete(selection);
  }

  /**
   * Every entry the filter selects, newest first as `logs` lists them, a page at a time (an export
   * is as long as it is). The filter is checked, as for `logs`, before the first page is read.
   */
  async exportPages(filter: LogFilter | null | undefined): Promise<AsyncGenerator<StoredLogEntry[]>> {
    const selection = await this.selection(filter);
    return this.pagesOf(selection);
  }

  private async *pagesOf(selection: LogSelection): AsyncGenerator<StoredLogEntry[]> {
    let after: LogPosition | undefined;
    for (;;) {
      const page = await this.store.search(selection, EXPORT_PAGE, after);
      if (page.length) yield page;
      if (page.length < EXPORT_PAGE) return;
      const last = page[page.length - 1]!;
      after = { time: last.time, id: last.id };
    }
  }

  async usage(): Promise<ServiceLogUsage[]> {
    return (await this.store.usage()).map((usage) => ({ ...usage, thresholdBytes: this.settings.maxBytesPerService }));
  }

  archives(): Promise<LogArchive[]> {
    return this.store.archives();
  }

  /** The services the platform runs, and any other that has shipped entries. */
  async knownServices(): Promise<Set<string>> {
    const stored = await this.store.usage();
    return new Set(['gateway', ...SUBGRAPHS.map(({ name }) => name), ...stored.map(({ service }) => service)]);
  }

  private async selection(filter: LogFilter | null | undefined): Promise<LogSelection> {
    if (!filter) return {};
    const { services, levels, from, to, text, requestId } = filter;
    if (from && to) requireTimeRange(from, to);
    if (services) {
      if (!services.length) throw new BadUserInputError('services must name at least one service (leave it out for all)', 'services');
      const known = await this.knownServices();
      const unknown = services.filter((service) => !known.has(service));
      // Each name cut short, as serviceStatusHistory does: a 100 KB name is not echoed back in the error.
      if (unknown.length) throw new BadUserInputError(`Unknown services: ${unknown.slice(0, 5).map((name) => name.slice(0, 64)).join(', ')}`, 'services');
    }
    if (levels && !levels.length) throw new BadUserInputError('levels must name at least one level (leave it out for all)', 'levels');
    if (text != null) {
      // Characters, not UTF-16 units: 150 emoji are 150 characters, not 300.
      if (longerThan(text, this.settings.maxQueryLength)) throw new BadUserInputError(`text is longer than ${this.settings.maxQueryLength} characters`, 'text');
      if (!text.trim()) throw new BadUserInputError('text is empty', 'text');
      // Only letters and digits make words to search for: "!!!" or "or" (an operator) matched nothing, silently.
      if (searchGroups(text) === null) throw new BadUserInputError('text has no word to search for (letters or digits)', 'text');
    }
    if (requestId != null && (requestId.trim().length === 0 || requestId.length > 128)) throw new BadUserInputError('requestId must be 1 to 128 characters, not all blank', 'requestId');
    return {
      ...(services && { services: [...new Set(services)] }),
      ...(levels && { levels: [...new Set(levels)] as LogSelection['levels'] }),
      ...(from && { from }),
      ...(to && { to }),
      ...(text != null && { text: text.trim() }),
      ...(requestId != null && { requestId }),
    };
  }
}

/** Whether `text` has more than `max` Unicode characters (code points); stops counting at `max`. */
function longerThan(text: string, max: number): boolean {
  if (text.length <= max) return false;
  let count = 0;
  for (const _character of text) if (++count > max) return true;
  return false;
}

export function toLogEntry(entry: StoredLogEntry): LogEntry {
  const { id, time, service, level, message, requestId, fields } = entry;
  return { id, time, service, level: level as LogLevel, message, requestId, fields };
}
